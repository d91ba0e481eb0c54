/** An OData string literal: single quotes doubled, then percent-encoded for a URL. */
export function stringLiteral(value: string): string {
  return encodeURIComponent(`'${value.replace(/'/g, "''")}'`);
}

/** `(a='x',b='y')` with every value an encoded OData literal. */
export function keyPredicate(keys: Record<string, string>): string {
  return `(${Object.entries(keys)
    .map(([k, v]) => `${k}=${stringLiteral(v)}`)
    .join(',')})`;
}

/** Plain comparison of field values as D365 returns them and as people type them. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  const sa = String(a);
  const sb = String(b);
  if (sa === sb) return true;
  // D365 may echo a date-time with other precision or offset than was sent.
  if (ISO_DATE_TIME.test(sa) && ISO_DATE_TIME.test(sb)) return Date.parse(sa) === Date.parse(sb);
  return false;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
