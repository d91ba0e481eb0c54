import type { Database } from 'better-sqlite3';
import { badInput } from '../errors.ts';
import { containsTest, normaliseSearch } from '../outbox/search.ts';
import type { FieldValue } from '../outbox/types.ts';

export interface ConflictRecord {
  id: number;
  updateId: number;
  profile: string;
  company: string;
  orderNumber: string;
  field: string;
  base: FieldValue;
  ours: FieldValue;
  theirs: FieldValue;
  etag: string | null;
  detectedAt: string;
  resolution: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

export interface ConflictQuery {
  /** ISO date or date-time; conflicts detected at or after it */
  since?: string;
  /** ISO date or date-time; conflicts detected before it */
  until?: string;
  /** found in the order number or a base/ours/theirs value, any case, anywhere (as the queue's search) */
  search?: string;
  /** the conflicts of one update */
  updateId?: number;
  /** only conflicts still waiting for a person */
  open?: boolean;
  limit?: number;
  /** newest first (for screens showing the latest); exports are oldest first */
  newestFirst?: boolean;
}

interface ConflictRow {
  id: number;
  update_id: number;
  profile: string;
  company: string;
  order_no: string;
  field: string;
  base: string | null;
  ours: string | null;
  theirs: string | null;
  etag: string | null;
  detected_at: number;
  resolution: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
}

/**
 * The columns of every export (CSV header, JSON keys, XLSX header), in order: stable
 * identifiers, the same whatever the format or the UI's language.
 */
export const CONFLICT_COLUMNS = [
  'id',
  'updateId',
  'profile',
  'company',
  'orderNumber',
  'field',
  'base',
  'ours',
  'theirs',
  'etag',
  'detectedAt',
  'resolution',
  'resolvedAt',
  'resolvedBy',
] as const satisfies readonly (keyof ConflictRecord)[];

/** Parses a date filter; a bare date means midnight UTC of that day. */
export function parseDateFilter(value: string, what: string): number {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
  let t = iso.test(value) ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : NaN;
  // Date.parse rolls 2026-02-30 over to March 2; a day the calendar lacks is a typo, not a date.
  if (!Number.isNaN(t) && !validDay(value.slice(0, 10))) t = NaN;
  if (Number.isNaN(t)) throw badInput(`${what} ${JSON.stringify(value)} is not an ISO date like 2026-11-22 or 2026-11-22T08:00:00Z`);
  return t;
}

function validDay(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** Every conflict ever detected, oldest first, streamed: the log can be large. */
export function* iterateConflicts(db: Database, query: ConflictQuery = {}): Generator<ConflictRecord> {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.since !== undefined) {
    where.push('detected_at >= @since');
    params.since = parseDateFilter(query.since, '--since');
  }
  if (query.until !== undefined) {
    where.push('detected_at < @until');
    params.until = parseDateFilter(query.until, '--until');
  }
  const term = normaliseSearch(query.search);
  if (term) {
    // A scan of the log (conflicts are few beside the queue), newest first it stops at the limit.
    const columns = ['order_no', `(base ->> '$')`, `(ours ->> '$')`, `(theirs ->> '$')`];
    const tests = columns.map((c) => containsTest(c, term));
    where.push(`(${tests.map((t) => t.sql).join(' OR ')})`);
    params.like = tests[0]!.like;
    if (tests[0]!.glob) params.glob = tests[0]!.glob;
  }
  if (query.updateId !== undefined) {
    where.push('update_id = @updateId');
    params.updateId = query.updateId;
  }
  if (query.open) where.push('resolution IS NULL');
  const limit = query.limit === undefined ? '' : ` LIMIT ${Math.max(1, Math.floor(query.limit))}`;
  const order = query.newestFirst ? 'detected_at DESC, id DESC' : 'detected_at, id';
  const sql = `SELECT * FROM conflicts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order}${limit}`;
  for (const row of db.prepare(sql).iterate(params) as Iterable<ConflictRow>) yield toRecord(row);
}

function toRecord(r: ConflictRow): ConflictRecord {
  const value = (v: string | null): FieldValue => (v === null ? null : (JSON.parse(v) as FieldValue));
  return {
    id: r.id,
    updateId: r.update_id,
    profile: r.profile,
    company: r.company,
    orderNumber: r.order_no,
    field: r.field,
    base: value(r.base),
    ours: value(r.ours),
    theirs: value(r.theirs),
    etag: r.etag,
    detectedAt: new Date(r.detected_at).toISOString(),
    resolution: r.resolution,
    resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at).toISOString(),
    resolvedBy: r.resolved_by,
  };
}
