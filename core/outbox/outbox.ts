import type { Database, Statement } from 'better-sqlite3';
import { OutboxError, badInput } from '../errors.ts';
import { openDatabase, translate } from './database.ts';
import {
  UPDATE_SOURCES,
  UPDATE_STATES,
  type Fields,
  type FieldValue,
  type HistoryEvent,
  type HistoryKind,
  type LastError,
  type OrderKey,
  type StateCounts,
  type Update,
  type UpdateInput,
  type UpdateState,
} from './types.ts';

export const DEFAULT_PROFILE = 'fo';

const MAX_ORDER_NUMBER = 200;
const MAX_COMPANY = 64;
const MAX_VALUE = 4000;
const MAX_FIELDS = 100;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
// Tab, CR and LF are legitimate inside text values; other control characters are not.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

interface UpdateRow {
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
}

export interface EnqueueResult {
  id: number;
  /** true when the input was merged into an earlier pending update of the same order */
  coalesced: boolean;
}

export interface PageQuery {
  state?: UpdateState;
  /** order-number prefix */
  search?: string;
  limit: number;
  /** keyset cursor from the previous page's `next` */
  after?: PageCursor;
}

export interface PageCursor {
  updatedAt: number;
  id: number;
}

export interface Page<T> {
  items: T[];
  next: PageCursor | null;
}

/** A field that someone else changed to a value different from ours. */
export interface FieldConflict {
  field: string;
  base: FieldValue;
  ours: FieldValue;
  theirs: FieldValue;
}

export type Resolution =
  | { action: 'keep-mine' }
  | { action: 'take-theirs' }
  | { action: 'edit'; fields: Fields };

/**
 * The durable queue of order updates. One owner process; every state change is one
 * transaction together with its history event.
 */
export class Outbox {
  readonly db: Database;
  readonly file: string;
  readonly notices: string[];
  private readonly now: () => number;
  private readonly stmt: ReturnType<typeof prepare>;

  /** problems found by the integrity check of a large file, which runs after open */
  readonly integrity: Promise<string[]>;

  private constructor(db: Database, file: string, notices: string[], now: () => number, integrity: Promise<string[]>) {
    this.integrity = integrity;
    this.db = db;
    this.file = file;
    this.notices = notices;
    this.now = now;
    this.stmt = prepare(db);
  }

  static open(file: string, options: { now?: () => number; busyTimeoutMs?: number; syncCheckBytes?: number } = {}): Outbox {
    const now = options.now ?? Date.now;
    const { db, notices, integrity } = openDatabase(file, { now, busyTimeoutMs: options.busyTimeoutMs, syncCheckBytes: options.syncCheckBytes });
    return new Outbox(db, file, notices, now, integrity);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs fn in one IMMEDIATE transaction, turning SQLite failures into actionable errors. */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      throw translate(e, this.file);
    }
  }

  // ---- commands -------------------------------------------------------------------------

  enqueue(input: UpdateInput): EnqueueResult {
    const clean = checkUpdateInput(input);
    return this.transaction(() => this.enqueueClean(clean));
  }

  /** All or nothing: one transaction; the first invalid input aborts everything. */
  enqueueMany(inputs: Iterable<UpdateInput>): EnqueueResult[] {
    return this.transaction(() => {
      const results: EnqueueResult[] = [];
      for (const input of inputs) results.push(this.enqueueClean(CHECKED.has(input) ? (input as CleanInput) : checkUpdateInput(input)));
      return results;
    });
  }

  private enqueueClean(input: CleanInput): EnqueueResult {
    const now = this.now();
    const last = this.stmt.lastOfOrder.get(input.profile, input.company, input.orderNumber) as
      | Pick<UpdateRow, 'id' | 'state' | 'fields' | 'base'>
      | undefined;
    const request = { fields: input.fields, base: input.base, source: input.source, by: input.queuedBy };
    if (last && last.state === 'pending') {
      const fields = { ...(JSON.parse(last.fields) as Fields), ...input.fields };
      // The earliest known base of a field is what the first person saw; keep it.
      const oldBase = last.base === null ? null : (JSON.parse(last.base) as Fields);
      const base = oldBase || input.base ? { ...(input.base ?? {}), ...(oldBase ?? {}) } : null;
      this.stmt.coalesce.run(JSON.stringify(fields), base === null ? null : JSON.stringify(base), now, last.id);
      this.addEvent(last.id, 'coalesced', request, now);
      return { id: last.id, coalesced: true };
    }
    const info = this.stmt.insert.run(
      input.profile,
      input.company,
      input.orderNumber,
      JSON.stringify(input.fields),
      input.base === null ? null : JSON.stringify(input.base),
      input.source,
      input.queuedBy,
      now,
      now,
      now,
    );
    const id = Number(info.lastInsertRowid);
    this.addEvent(id, 'queued', request, now);
    return { id, coalesced: false };
  }

  hold(id: number, by: string): Update {
    return this.transition(id, ['pending'], 'held', 'held', { by });
  }

  release(id: number, by: string): Update {
    return this.transition(id, ['held'], 'pending', 'released', { by }, { nextAttemptAt: this.now() });
  }

  /** Cancelling keeps the row and its history: it ends as failed with code CANCELLED. */
  cancel(id: number, by: string): Update {
    return this.transition(id, ['pending', 'held'], 'failed', 'cancelled', { by }, {
      lastError: { code: 'CANCELLED', message: `Cancelled by ${by}` },
    });
  }

  /**
   * The drainer takes an update before its PATCH. Fields that had no base get the values D365
   * held at the first GET, stored in the same transaction: after a crash the three-way check
   * must compare against what we saw then, not what D365 holds after.
   */
  claim(id: number, baseAdditions: Fields = {}): Update {
    return this.transaction(() => {
      const u = this.requireState(id, ['pending']);
      const now = this.now();
      const missing = Object.entries(baseAdditions).filter(([f]) => f in u.fields && !(u.base && f in u.base));
      if (missing.length > 0) {
        this.stmt.replaceFields.run(JSON.stringify(u.fields), JSON.stringify({ ...(u.base ?? {}), ...Object.fromEntries(missing) }), now, id);
      }
      this.stmt.claim.run(now, id);
      this.addEvent(id, 'sending', { attempt: u.attempts + 1 }, now);
      return this.requireUpdate(id);
    });
  }

  // An outcome decided by the first GET (already applied, conflict, refused) needs no
  // 'sending' step: nothing was written to D365.
  markDone(id: number, detail: Record<string, unknown>): Update {
    return this.transition(id, ['sending', 'pending'], 'done', 'done', detail, { lastError: null });
  }

  markFailed(id: number, error: LastError, detail: Record<string, unknown> = {}): Update {
    return this.transition(id, ['sending', 'pending'], 'failed', 'failed', { ...detail, ...error }, { lastError: error });
  }

  /** Back to pending, to be tried again at `nextAttemptAt` (retry limit reached, offline, throttled). */
  defer(id: number, nextAttemptAt: number, error: LastError | null, detail: Record<string, unknown> = {}): Update {
    return this.transition(id, ['sending', 'pending'], 'pending', 'deferred', { ...detail, ...(error ?? {}), nextAttemptAt }, {
      nextAttemptAt,
      lastError: error,
    });
  }

  /** Records an event in the history of an update without changing its state. */
  note(id: number, kind: HistoryKind, detail: Record<string, unknown>): void {
    this.transaction(() => {
      this.requireUpdate(id);
      this.addEvent(id, kind, detail, this.now());
    });
  }

  /** A true conflict: the update waits for a person; each conflicting field is logged. */
  markConflict(id: number, conflicts: FieldConflict[], etag: string | null): Update {
    if (conflicts.length === 0) throw new OutboxError('INTERNAL', 'markConflict needs at least one field');
    return this.transaction(() => {
      const u = this.requireState(id, ['sending', 'pending']);
      const now = this.now();
      for (const c of conflicts) {
        this.stmt.insertConflict.run(
          id,
          u.profile,
          u.company,
          u.orderNumber,
          c.field,
          JSON.stringify(c.base),
          JSON.stringify(c.ours),
          JSON.stringify(c.theirs),
          etag,
          now,
        );
      }
      const error = {
        code: 'CONFLICT',
        message: `Someone else changed ${conflicts.map((c) => c.field).join(', ')} in D365`,
      };
      this.setState(id, 'conflict', now, { lastError: error });
      this.addEvent(id, 'conflict', { fields: conflicts, etag }, now);
      return this.requireUpdate(id);
    });
  }

  /** Conflicts settled by a per-field policy are logged for the admin, already resolved. */
  logAutoResolved(id: number, conflicts: (FieldConflict & { resolution: 'policy-ours' | 'policy-theirs' })[], etag: string | null): void {
    if (conflicts.length === 0) return;
    this.transaction(() => {
      const u = this.requireUpdate(id);
      const now = this.now();
      for (const c of conflicts) {
        const info = this.stmt.insertConflict.run(
          id, u.profile, u.company, u.orderNumber, c.field,
          JSON.stringify(c.base), JSON.stringify(c.ours), JSON.stringify(c.theirs), etag, now,
        );
        this.stmt.resolveConflict.run(c.resolution, now, 'policy', info.lastInsertRowid);
      }
    });
  }

  /**
   * A person decides a conflict. keep-mine re-applies our values over what D365 now holds
   * (the current values become the base, so the next pass sends them with a fresh ETag);
   * take-theirs drops the contested fields; edit replaces our values and requeues.
   */
  resolve(id: number, resolution: Resolution, by: string): Update {
    if (resolution.action === 'edit') validateFields(resolution.fields, 'fields');
    return this.transaction(() => {
      const u = this.requireState(id, ['conflict']);
      const now = this.now();
      const open = this.stmt.openConflicts.all(id) as { id: number; field: string; theirs: string }[];
      const theirs: Fields = {};
      for (const c of open) theirs[c.field] = JSON.parse(c.theirs) as FieldValue;
      const fields = { ...u.fields };
      const base: Fields = { ...(u.base ?? {}) };
      let outcome: 'done' | 'pending' = 'pending';
      const kind = resolution.action === 'edit' ? 'edited' : resolution.action;
      if (resolution.action === 'take-theirs') {
        for (const f of Object.keys(theirs)) {
          delete fields[f];
          delete base[f];
        }
        if (Object.keys(fields).length === 0) outcome = 'done';
      } else {
        if (resolution.action === 'edit') Object.assign(fields, resolution.fields);
        Object.assign(base, theirs);
      }
      this.stmt.resolveConflicts.run(kind, now, by, id);
      if (outcome === 'pending') {
        this.stmt.replaceFields.run(JSON.stringify(fields), JSON.stringify(base), now, id);
      }
      this.setState(id, outcome, now, { lastError: null, nextAttemptAt: now });
      this.addEvent(id, 'resolved', { action: resolution.action, by, fields: outcome === 'pending' ? fields : {} }, now);
      return this.requireUpdate(id);
    });
  }

  /**
   * Updates interrupted while 'sending' (crash, kill) go back to pending with the recheck
   * flag: the next pass GETs the order first and finds them applied if the PATCH landed.
   * Only the process that drains calls this.
   */
  recoverInterrupted(): number[] {
    return this.transaction(() => {
      const ids = (this.stmt.sendingIds.all() as { id: number }[]).map((r) => r.id);
      const now = this.now();
      for (const id of ids) {
        this.stmt.recheck.run(now, now, id);
        this.addEvent(id, 'recheck', { reason: 'interrupted while sending' }, now);
      }
      return ids;
    });
  }

  // ---- queries --------------------------------------------------------------------------

  get(id: number): Update | null {
    const row = this.stmt.get.get(id) as UpdateRow | undefined;
    return row ? toUpdate(row) : null;
  }

  history(id: number): HistoryEvent[] {
    return (this.stmt.history.all(id) as { id: number; update_id: number; at: number; kind: string; detail: string | null }[]).map(
      (r) => ({
        id: r.id,
        updateId: r.update_id,
        at: r.at,
        kind: r.kind as HistoryKind,
        detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
      }),
    );
  }

  counts(): StateCounts {
    const counts = Object.fromEntries(UPDATE_STATES.map((s) => [s, 0])) as StateCounts;
    for (const r of this.stmt.counts.all() as { state: UpdateState; n: number }[]) counts[r.state] = r.n;
    return counts;
  }

  /**
   * The next update to send: due, in due-time then queue order, and not overtaking an
   * earlier unfinished update of the same order.
   */
  nextDue(now = this.now()): Update | null {
    return this.dueBatch(now, 1)[0] ?? null;
  }

  /** Up to `limit` due updates in drain order; never two of one order (the later one waits). */
  dueBatch(now: number, limit: number): Update[] {
    return (this.stmt.nextDue.all(now, Math.max(1, Math.floor(limit))) as UpdateRow[]).map(toUpdate);
  }

  /** When the earliest pending update becomes due (for sleeping until then). */
  nextDueAt(): number | null {
    const row = this.stmt.nextDueAt.get() as { at: number | null } | undefined;
    return row?.at ?? null;
  }

  /** Newest first, keyset-paged so deep pages stay fast. */
  page(query: PageQuery): Page<Update> {
    const limit = Math.max(1, Math.min(1000, Math.floor(query.limit)));
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: limit + 1 };
    if (query.state) {
      where.push('state = @state');
      params.state = query.state;
    }
    if (query.search) {
      where.push('order_no >= @search AND order_no < @search || char(1114111)');
      params.search = query.search;
    }
    if (query.after) {
      where.push('(updated_at < @afterAt OR (updated_at = @afterAt AND id < @afterId))');
      params.afterAt = query.after.updatedAt;
      params.afterId = query.after.id;
    }
    const sql = `SELECT * FROM updates ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY updated_at DESC, id DESC LIMIT @limit`;
    const rows = this.db.prepare(sql).all(params) as UpdateRow[];
    const items = rows.slice(0, limit).map(toUpdate);
    const last = items[items.length - 1];
    return { items, next: rows.length > limit && last ? { updatedAt: last.updatedAt, id: last.id } : null };
  }

  /** Streams every update in a state without loading them all (for exports and tools). */
  *iterate(state?: UpdateState): Generator<Update> {
    const stmt = state ? this.stmt.iterateState : this.stmt.iterateAll;
    for (const row of (state ? stmt.iterate(state) : stmt.iterate()) as Iterable<UpdateRow>) yield toUpdate(row);
  }

  // ---- internals ------------------------------------------------------------------------

  private transition(
    id: number,
    from: UpdateState[],
    to: UpdateState,
    kind: HistoryKind,
    detail: Record<string, unknown>,
    extra: { nextAttemptAt?: number; lastError?: LastError | null } = {},
  ): Update {
    return this.transaction(() => {
      this.requireState(id, from);
      const now = this.now();
      this.setState(id, to, now, extra);
      this.addEvent(id, kind, detail, now);
      return this.requireUpdate(id);
    });
  }

  private setState(id: number, to: UpdateState, now: number, extra: { nextAttemptAt?: number; lastError?: LastError | null }): void {
    const keepError = extra.lastError === undefined;
    this.stmt.setState.run({
      id,
      state: to,
      now,
      next: extra.nextAttemptAt ?? null,
      keepError: keepError ? 1 : 0,
      code: extra.lastError?.code ?? null,
      message: extra.lastError?.message ?? null,
    });
  }

  private requireUpdate(id: number): Update {
    const u = this.get(id);
    if (!u) throw new OutboxError('NOT_FOUND', `No update with id ${id}`);
    return u;
  }

  private requireState(id: number, from: UpdateState[]): Update {
    const u = this.requireUpdate(id);
    if (!from.includes(u.state)) {
      throw new OutboxError('INVALID_STATE', `Update ${id} is ${u.state}; this needs it to be ${from.join(' or ')}`);
    }
    return u;
  }

  private addEvent(id: number, kind: HistoryKind, detail: Record<string, unknown> | null, at: number): void {
    this.stmt.addEvent.run(id, at, kind, detail === null ? null : JSON.stringify(detail));
  }
}

function prepare(db: Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    insert: p(`INSERT INTO updates (profile, company, order_no, fields, base, source, queued_by, state, next_attempt_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`),
    lastOfOrder: p(`SELECT id, state, fields, base FROM updates WHERE profile = ? AND company = ? AND order_no = ? ORDER BY id DESC LIMIT 1`),
    coalesce: p(`UPDATE updates SET fields = ?, base = ?, updated_at = ? WHERE id = ?`),
    replaceFields: p(`UPDATE updates SET fields = ?, base = ?, updated_at = ? WHERE id = ?`),
    claim: p(`UPDATE updates SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?`),
    setState: p(`UPDATE updates SET state = @state, updated_at = @now,
                   next_attempt_at = coalesce(@next, next_attempt_at),
                   last_error_code = CASE WHEN @keepError THEN last_error_code ELSE @code END,
                   last_error_message = CASE WHEN @keepError THEN last_error_message ELSE @message END
                 WHERE id = @id`),
    addEvent: p(`INSERT INTO update_events (update_id, at, kind, detail) VALUES (?, ?, ?, ?)`),
    get: p(`SELECT * FROM updates WHERE id = ?`),
    history: p(`SELECT * FROM update_events WHERE update_id = ? ORDER BY id`),
    counts: p(`SELECT state, n FROM state_counts`),
    nextDue: p(`SELECT * FROM updates AS u
                WHERE u.state = 'pending' AND u.next_attempt_at <= ?
                  AND NOT EXISTS (
                    SELECT 1 FROM updates AS e
                    WHERE e.profile = u.profile AND e.company = u.company AND e.order_no = u.order_no
                      AND e.id < u.id AND e.state IN ('pending', 'sending', 'held'))
                ORDER BY u.next_attempt_at, u.id LIMIT ?`),
    nextDueAt: p(`SELECT min(next_attempt_at) AS at FROM updates WHERE state = 'pending'`),
    sendingIds: p(`SELECT id FROM updates WHERE state = 'sending' ORDER BY id`),
    recheck: p(`UPDATE updates SET state = 'pending', recheck = 1, next_attempt_at = ?, updated_at = ? WHERE id = ?`),
    insertConflict: p(`INSERT INTO conflicts (update_id, profile, company, order_no, field, base, ours, theirs, etag, detected_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    openConflicts: p(`SELECT id, field, theirs FROM conflicts WHERE update_id = ? AND resolution IS NULL ORDER BY id`),
    resolveConflict: p(`UPDATE conflicts SET resolution = ?, resolved_at = ?, resolved_by = ? WHERE id = ?`),
    resolveConflicts: p(`UPDATE conflicts SET resolution = ?, resolved_at = ?, resolved_by = ? WHERE update_id = ? AND resolution IS NULL`),
    iterateAll: p(`SELECT * FROM updates ORDER BY id`),
    iterateState: p(`SELECT * FROM updates WHERE state = ? ORDER BY id`),
  };
}

function toUpdate(r: UpdateRow): Update {
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

export interface CleanInput extends OrderKey {
  fields: Fields;
  base: Fields | null;
  source: UpdateInput['source'];
  queuedBy: string;
}

export function describeKey(k: Pick<OrderKey, 'company' | 'orderNumber'>): string {
  return `order ${JSON.stringify(k.orderNumber)} (company ${JSON.stringify(k.company)})`;
}

function validateText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string') throw badInput(`${what} must be text, got ${typeof value}`);
  const trimmed = value.trim();
  if (trimmed === '') throw badInput(`${what} is empty`);
  if (trimmed.length > max) throw badInput(`${what} is ${trimmed.length} characters long; the limit is ${max}`);
  if (CONTROL.test(trimmed)) throw badInput(`${what} ${JSON.stringify(trimmed)} contains a control character`);
  return trimmed;
}

export function validateFieldName(name: string, what = 'field name'): void {
  if (!FIELD_NAME.test(name)) {
    throw badInput(`${what} ${JSON.stringify(name)} is not a valid D365 field name (letters, digits and _, starting with a letter)`);
  }
}

export function validateFields(fields: unknown, what: string): Fields {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw badInput(`${what} must be an object of field → value`);
  const entries = Object.entries(fields);
  if (entries.length > MAX_FIELDS) throw badInput(`${what} has ${entries.length} fields; the limit is ${MAX_FIELDS}`);
  const out: Fields = {};
  for (const [name, value] of entries) {
    validateFieldName(name, `${what}: field`);
    if (typeof value === 'string') {
      if (value.length > MAX_VALUE) throw badInput(`${what}: value of ${name} is ${value.length} characters long; the limit is ${MAX_VALUE}`);
      if (CONTROL.test(value)) throw badInput(`${what}: value of ${name} contains a control character`);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw badInput(`${what}: value of ${name} is not a finite number`);
    } else if (typeof value !== 'boolean' && value !== null) {
      throw badInput(`${what}: value of ${name} must be text, a number, true/false or null`);
    }
    out[name] = value as FieldValue;
  }
  return out;
}

/** Inputs checkUpdateInput produced: a bulk import need not check every row twice. */
const CHECKED = new WeakSet<object>();

/** Checks an update as enqueue would, throwing BAD_INPUT that says what is wrong. */
export function checkUpdateInput(input: UpdateInput): CleanInput {
  if (typeof input !== 'object' || input === null) throw badInput('an update must be an object');
  const orderNumber = validateText(input.orderNumber, 'order number', MAX_ORDER_NUMBER);
  const company = validateText(input.company, 'company', MAX_COMPANY);
  const profile = input.profile === undefined ? DEFAULT_PROFILE : validateText(input.profile, 'profile', 32);
  const fields = validateFields(input.fields, `${describeKey({ company, orderNumber })}`);
  if (Object.keys(fields).length === 0) throw badInput(`${describeKey({ company, orderNumber })} changes no field`);
  let base: Fields | null = null;
  if (input.base !== undefined && input.base !== null) {
    base = validateFields(input.base, `base of ${describeKey({ company, orderNumber })}`);
    for (const name of Object.keys(base)) {
      if (!(name in fields)) throw badInput(`base value given for ${name}, which ${describeKey({ company, orderNumber })} does not change`);
    }
    if (Object.keys(base).length === 0) base = null;
  }
  if (!UPDATE_SOURCES.includes(input.source)) throw badInput(`unknown source ${JSON.stringify(input.source)}`);
  const queuedBy = validateText(input.queuedBy, 'queued by', 200);
  const clean: CleanInput = { profile, company, orderNumber, fields, base, source: input.source, queuedBy };
  CHECKED.add(clean);
  return clean;
}
