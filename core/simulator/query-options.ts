import { keyNames, property, propertyNames, qualifiedType, type EntitySchema } from './entity-schema.ts';
import { ODataSyntaxError, parseEqualityFilter, type ODataLiteral } from './odata-syntax.ts';
import type { FieldValue, SalesOrder } from './types.ts';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Refuses system query options ($…) the simulator does not implement instead of ignoring them. */
export function checkOptions(query: URLSearchParams, allowed: readonly string[]): string | undefined {
  for (const name of query.keys()) {
    if (name.startsWith('$') && !allowed.includes(name)) return `The query parameter '${name}' is not supported.`;
  }
  return undefined;
}

/** `$select`: the named properties plus the keys; undefined means all. */
export function selection(schema: EntitySchema, query: URLSearchParams): Checked<string[] | undefined> {
  const raw = query.get('$select');
  if (raw === null || raw.trim() === '' || raw.trim() === '*') return { ok: true, value: undefined };
  const names = raw.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!property(schema, name)) {
      return { ok: false, message: `Could not find a property named '${name}' on type '${qualifiedType(schema)}'.` };
    }
  }
  return { ok: true, value: names };
}

/** The record as OData shows it: annotations first, then the keys, then the selected fields. */
export function represent(schema: EntitySchema, fields: SalesOrder, etag: string | undefined, select: string[] | undefined): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  if (etag !== undefined) out['@odata.etag'] = etag;
  const names = select ? new Set([...keyNames(schema), ...select]) : null;
  for (const name of propertyNames(schema)) {
    if (!names || names.has(name)) out[name] = fields[name] ?? null;
  }
  return out;
}

function literalMatches(value: FieldValue | undefined, literal: ODataLiteral): boolean {
  switch (literal.kind) {
    case 'null':
      return value === null || value === undefined;
    case 'guid':
    case 'string':
      // D365 compares text case-insensitively (SQL collation)
      return typeof value === 'string' && value.toLowerCase() === literal.value.toLowerCase();
    default:
      return value === literal.value;
  }
}

export function filterPredicate(schema: EntitySchema, query: URLSearchParams): Checked<(fields: SalesOrder) => boolean> {
  const raw = query.get('$filter');
  if (raw === null || raw.trim() === '') return { ok: true, value: () => true };
  try {
    const clauses = parseEqualityFilter(raw);
    for (const clause of clauses) {
      if (!property(schema, clause.property)) {
        return { ok: false, message: `Could not find a property named '${clause.property}' on type '${qualifiedType(schema)}'.` };
      }
    }
    return { ok: true, value: (fields) => clauses.every((c) => literalMatches(fields[c.property], c.value)) };
  } catch (error) {
    if (error instanceof ODataSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

export function nonNegativeInteger(query: URLSearchParams, name: string): Checked<number | undefined> {
  const raw = query.get(name);
  if (raw === null) return { ok: true, value: undefined };
  if (!/^\d+$/.test(raw.trim())) return { ok: false, message: `Invalid value '${raw}' for $${name.replace(/^\$/, '')} query option found. The value must be a non-negative integer.` };
  return { ok: true, value: Number(raw.trim()) };
}
