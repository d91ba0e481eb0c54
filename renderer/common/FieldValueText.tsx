import type { FieldValue } from '../../core/outbox/types.ts';
import { useFormat } from '../i18n/use-format.ts';

/** A D365 value; empty and missing values are shown as such instead of as nothing. */
export function FieldValueText({ value }: { value: FieldValue | undefined }) {
  const fmt = useFormat();
  const quiet = value === undefined || value === null || value === '';
  return <span className={quiet ? 'value value-quiet' : 'value'}>{fmt.value(value)}</span>;
}
