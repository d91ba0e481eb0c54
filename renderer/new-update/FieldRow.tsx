import type { KeyboardEvent, Ref } from 'react';
import type { FieldValue } from '../../core/outbox/types.ts';
import { FieldValueText } from '../common/FieldValueText.tsx';
import { useT } from '../i18n/use-t.ts';
import type { FieldDraft } from './field-rows.ts';
import { KNOWN_FIELDS, VALUE_SUGGESTIONS } from './known-fields.ts';

export type { FieldDraft } from './field-rows.ts';

export function FieldRow({
  row,
  index,
  current,
  valueRef,
  canRemove,
  onChange,
  onRemove,
  onValueKeyDown,
}: {
  row: FieldDraft;
  index: number;
  /** the order's value now, when known */
  current: FieldValue | undefined;
  valueRef?: Ref<HTMLInputElement>;
  canRemove: boolean;
  onChange(next: FieldDraft): void;
  onRemove(): void;
  onValueKeyDown?(e: KeyboardEvent<HTMLInputElement>): void;
}) {
  const t = useT();
  const suggestions = VALUE_SUGGESTIONS[row.field.trim()];
  const listId = suggestions ? `values-${row.key}` : undefined;
  return (
    <div className="field-row">
      <input
        className="field-name"
        aria-label={t('form.fieldName', { n: index + 1 })}
        list="known-fields"
        placeholder={t('form.fieldPlaceholder')}
        value={row.field}
        onChange={(e) => onChange({ ...row, field: e.target.value })}
      />
      <input
        ref={valueRef}
        className="field-value"
        data-row-key={row.key}
        aria-label={t('form.newValue', { n: index + 1 })}
        list={listId}
        placeholder={row.clear ? t('form.clearedPlaceholder') : t('form.valuePlaceholder')}
        value={row.clear ? '' : row.value}
        disabled={row.clear}
        onChange={(e) => onChange({ ...row, value: e.target.value })}
        onKeyDown={onValueKeyDown}
      />
      {suggestions ? (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
      <label className="check field-clear" title={t('form.clearHint')}>
        <input type="checkbox" checked={row.clear} aria-label={t('form.clearFieldN', { n: index + 1 })} onChange={(e) => onChange({ ...row, clear: e.target.checked })} />
        {t('form.clearField')}
      </label>
      <span className="field-current" title={t('form.currentTitle')}>
        {current === undefined ? null : (
          <>
            {t('form.now')} <FieldValueText value={current} />
          </>
        )}
      </span>
      <button type="button" className="btn btn-ghost btn-small" aria-label={t('form.removeRow', { n: index + 1 })} disabled={!canRemove} onClick={onRemove}>
        ×
      </button>
    </div>
  );
}

/** The form's and scan mode's field rows: names offered from the known fields, one row each. */
export function FieldRowList({
  rows,
  current,
  firstValueRef,
  onChange,
  onRemove,
  onValueKeyDown,
}: {
  rows: FieldDraft[];
  /** the order's value of a field now, when known */
  current?(field: string): FieldValue | undefined;
  firstValueRef?: Ref<HTMLInputElement>;
  onChange(key: FieldDraft['key'], next: FieldDraft): void;
  onRemove(key: FieldDraft['key']): void;
  onValueKeyDown?(e: KeyboardEvent<HTMLInputElement>): void;
}) {
  return (
    <>
      <datalist id="known-fields">
        {KNOWN_FIELDS.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      <div className="field-rows">
        {rows.map((row, i) => (
          <FieldRow
            key={row.key}
            row={row}
            index={i}
            current={row.field.trim() ? current?.(row.field.trim()) : undefined}
            valueRef={i === 0 ? firstValueRef : undefined}
            canRemove={rows.length > 1}
            onChange={(next) => onChange(row.key, next)}
            onRemove={() => onRemove(row.key)}
            onValueKeyDown={onValueKeyDown}
          />
        ))}
      </div>
    </>
  );
}
