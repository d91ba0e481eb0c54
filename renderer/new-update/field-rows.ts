import { useCallback, useRef, useState } from 'react';
import type { Fields } from '../../core/outbox/types.ts';

export interface FieldDraft {
  key: number;
  field: string;
  value: string;
  /** the person chose to empty this field in D365: an empty value box alone never does */
  clear: boolean;
}

export type FieldsCheck =
  | { ok: true; fields: Fields; names: string[] }
  | { ok: false; problem: 'no-field' }
  | { ok: false; problem: 'no-value'; field: string; key: number };

/**
 * The fields an update changes, from the rows a person filled in. A named field with an empty
 * value is a mistake (Enter pressed too early, a scan landing in the wrong box), not a wish to
 * blank it in D365: that takes "Clear this field".
 */
export function fieldsFrom(rows: readonly FieldDraft[]): FieldsCheck {
  const named = rows.filter((r) => r.field.trim());
  if (named.length === 0) return { ok: false, problem: 'no-field' };
  const empty = named.find((r) => !r.clear && r.value.trim() === '');
  if (empty) return { ok: false, problem: 'no-value', field: empty.field.trim(), key: empty.key };
  const fields: Fields = Object.fromEntries(named.map((r) => [r.field.trim(), r.clear ? '' : r.value]));
  return { ok: true, fields, names: Object.keys(fields) };
}

export function useFieldRows(first: string) {
  const nextKey = useRef(2);
  const [rows, setRows] = useState<FieldDraft[]>([{ key: 1, field: first, value: '', clear: false }]);
  const update = useCallback((key: number, next: FieldDraft) => setRows((rs) => rs.map((r) => (r.key === key ? next : r))), []);
  const add = useCallback(() => setRows((rs) => [...rs, { key: nextKey.current++, field: '', value: '', clear: false }]), []);
  const remove = useCallback((key: number) => setRows((rs) => (rs.length > 1 ? rs.filter((r) => r.key !== key) : rs)), []);
  const clearValues = useCallback(() => setRows((rs) => rs.map((r) => ({ ...r, value: '', clear: false }))), []);
  return { rows, update, add, remove, clearValues };
}
