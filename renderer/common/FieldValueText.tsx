import type { FieldValue } from '../../core/outbox/types.ts';
import { formatValue } from '../format.ts';

/** A D365 value; empty and missing values are shown as such instead of as nothing. */
export function FieldValueText({ value }: { value: FieldValue | undefined }) {
  const quiet = value === undefined || value === null || value === '';
  return <span className={quiet ? 'value value-quiet' : 'value'}>{formatValue(value)}</span>;
}
