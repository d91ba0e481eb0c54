/**
 * The SQL of the queue, prepared once per connection, and how a row becomes an Update. Only
 * core/outbox/outbox.ts uses it: the queue's tables have that one owner.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Fields, Update, UpdateState } from './types.ts';

export interface UpdateRow {
  id: number;
  profile: string;
  company: string;
  order_no: string;
  fields: string;
  base: string | null;
  source: string;
  queued_by: string;
  state: string;
  recheck: number;
  attempts: number;
  next_attempt_at: number;
  last_error_code: string | null;
  last_error_message: string | null;
  created_at: number;
  updated_at: number;
  taken: number;
  lost_races: number;
}

/**
 * In a statement with ORDER BY, a bound value compared with `=` is written `+?`, and a bound
 * LIMIT or OFFSET `? + 0`. Written plainly, SQLite's planner looks at the value bound there,
 * so the statement is compiled again at every call: the coalescing look-up took 12 µs instead
 * of 1, the drainer's next-due query 25 instead of 1. The plans are the same either way
 * (statements.test.ts holds the rule).
 */
export function prepare(db: Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    insert: p(`INSERT INTO updates (profile, company, order_no, fields, base, source, queued_by, state, next_attempt_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`),
    lastOfOrder: p(`SELECT id, state, fields, base, taken FROM updates WHERE profile = +? AND company = +? AND order_no = +? ORDER BY id DESC LIMIT 1`),
    // of a list of order numbers (a JSON array), those that have any update: one statement for many look-ups
    ordersWithUpdates: p(`SELECT DISTINCT order_no FROM updates WHERE profile = ? AND company = ? AND order_no IN (SELECT value FROM json_each(?))`).pluck(),
    coalesce: p(`UPDATE updates SET fields = ?, base = ?, updated_at = ? WHERE id = ?`),
    replaceFields: p(`UPDATE updates SET fields = ?, base = ?, updated_at = ? WHERE id = ?`),
    // base: the claim's additions merged in, or null to keep it
    claim: p(`UPDATE updates SET state = 'sending', attempts = attempts + 1, updated_at = ?, base = coalesce(?, base) WHERE id = ?`),
    setState: p(`UPDATE updates SET state = @state, updated_at = @now, taken = 0,
                   next_attempt_at = coalesce(@next, next_attempt_at),
                   last_error_code = CASE WHEN @keepError THEN last_error_code ELSE @code END,
                   last_error_message = CASE WHEN @keepError THEN last_error_message ELSE @message END
                 WHERE id = @id`),
    addEvent: p(`INSERT INTO update_events (update_id, at, kind, detail) VALUES (?, ?, ?, ?)`),
    get: p(`SELECT * FROM updates WHERE id = ?`),
    history: p(`SELECT * FROM update_events WHERE update_id = +? ORDER BY id`),
    counts: p(`SELECT state, n FROM state_counts`),
    nextDue: p(`SELECT * FROM updates AS u
                WHERE u.state = 'pending' AND u.taken = 0 AND u.next_attempt_at <= ?
                  AND NOT EXISTS (
                    SELECT 1 FROM updates AS e
                    WHERE e.profile = u.profile AND e.company = u.company AND e.order_no = u.order_no
                      AND e.id < u.id AND e.state IN ('pending', 'sending', 'held'))
                ORDER BY u.next_attempt_at, u.id LIMIT ? + 0`),
    addNotice: p(`INSERT INTO notices (at, message) VALUES (?, ?)`),
    openNotices: p(`SELECT id, at, message FROM notices WHERE acknowledged_at IS NULL ORDER BY id`),
    ackNotice: p(`UPDATE notices SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL`),
    dueNow: p(`UPDATE updates SET next_attempt_at = ? WHERE state = 'pending' AND next_attempt_at > ?`),
    failedNeedingLook: p(`SELECT count(*) AS n FROM updates WHERE state = 'failed' AND coalesce(last_error_code, '') <> 'CANCELLED'`),
    farFuture: p(`SELECT 1 FROM updates WHERE state = 'pending' AND next_attempt_at > ? LIMIT 1`),
    pullIn: p(`UPDATE updates SET next_attempt_at = ? WHERE state = 'pending' AND next_attempt_at > ?`),
    nextDueAt: p(`SELECT min(next_attempt_at) AS at FROM updates WHERE state = 'pending'`),
    take: p(`UPDATE updates SET taken = 1 WHERE id = ?`),
    untake: p(`UPDATE updates SET taken = 0 WHERE id = ? AND taken = 1`),
    untakeAll: p(`UPDATE updates SET taken = 0 WHERE taken = 1`),
    getRaces: p(`SELECT lost_races FROM updates WHERE id = ?`),
    setRaces: p(`UPDATE updates SET lost_races = ? WHERE id = ?`),
    ownWrites: p(`SELECT field, value FROM own_writes WHERE profile = +? AND company = +? AND order_no = +? ORDER BY at DESC`),
    ownWrite: p(`INSERT INTO own_writes (profile, company, order_no, field, value, at) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT DO UPDATE SET at = excluded.at`),
    countOwnWrites: p(`SELECT count(*) FROM own_writes WHERE profile = ? AND company = ? AND order_no = ? AND field = ?`).pluck(),
    pruneOwnWrites: p(`DELETE FROM own_writes WHERE (profile, company, order_no, field, value) IN (
                         SELECT profile, company, order_no, field, value FROM own_writes
                         WHERE profile = +? AND company = +? AND order_no = +? AND field = +? ORDER BY at DESC LIMIT -1 OFFSET ? + 0)`),
    sendingIds: p(`SELECT id FROM updates WHERE state = 'sending' ORDER BY id`),
    recheck: p(`UPDATE updates SET state = 'pending', recheck = 1, next_attempt_at = ?, updated_at = ? WHERE id = ?`),
    insertConflict: p(`INSERT INTO conflicts (update_id, profile, company, order_no, field, base, ours, theirs, etag, detected_at, resolution, resolved_at, resolved_by)
                       VALUES (@updateId, @profile, @company, @orderNo, @field, @base, @ours, @theirs, @etag, @now, @resolution,
                               CASE WHEN @resolution IS NULL THEN NULL ELSE @now END, @resolvedBy)`),
    openConflicts: p(`SELECT id, field, theirs FROM conflicts WHERE update_id = +? AND resolution IS NULL ORDER BY id`),
    resolveConflicts: p(`UPDATE conflicts SET resolution = ?, resolved_at = ?, resolved_by = ? WHERE update_id = ? AND resolution IS NULL`),
    iterateAll: p(`SELECT * FROM updates ORDER BY id`),
    iterateState: p(`SELECT * FROM updates WHERE state = +? ORDER BY id`),
  };
}

export function toUpdate(r: UpdateRow): Update {
  return {
    id: r.id,
    profile: r.profile,
    company: r.company,
    orderNumber: r.order_no,
    fields: JSON.parse(r.fields) as Fields,
    base: r.base === null ? null : (JSON.parse(r.base) as Fields),
    source: r.source as Update['source'],
    queuedBy: r.queued_by,
    state: r.state as UpdateState,
    recheck: r.recheck === 1,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error_code === null ? null : { code: r.last_error_code, message: r.last_error_message ?? '' },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
