import type { Database } from 'better-sqlite3';
import { OutboxError, badInput } from '../errors.ts';
import { openDatabase, translate } from './database.ts';
import { prepare, toUpdate, type UpdateRow } from './statements.ts';
import { FieldsSchema, describeIssue, type CheckedUpdate } from './update-input.ts';
import { normaliseSearch, searchUpdates, type MatchCount } from './search.ts';
import {
  UPDATE_STATES,
  type Fields,
  type FieldValue,
  type HistoryEvent,
  type HistoryKind,
  type LastError,
  type StateCounts,
  type Update,
  type UpdateState,
} from './types.ts';

export interface EnqueueResult {
  id: number;
  /** true when the input was merged into an earlier pending update of the same order */
  coalesced: boolean;
  /** the unfinished update of the same order this one waits behind (it is being sent, or held) */
  behind?: number;
}

/** An update the drainer has read: no later change merges into it. */
export interface TakenUpdate extends Update {
  /** values this outbox sent to the order's fields before: D365 holding one is our own write */
  ownValues: Record<string, FieldValue[]>;
}

/** Own writes kept per order field: enough to recognise our last few values. */
const OWN_VALUES_KEPT = 5;

export interface Notice {
  id: number;
  at: number;
  message: string;
}

export interface PageQuery {
  state?: UpdateState;
  /** found anywhere in the order number or a value, in any case (see search.ts) */
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
  /** with a search, on its first page (no cursor): how many updates match, state included */
  matches?: MatchCount;
}

export type { MatchCount };

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

/** One order, exactly as the look-ups match it (the same columns, compared the same way). */
function orderKey(u: { profile: string; company: string; orderNumber: string }): string {
  return `${u.profile}\u0000${u.company}\u0000${u.orderNumber}`;
}

/**
 * The durable queue of order updates. One owner process; every state change is one
 * transaction together with its history event.
 */
export class Outbox {
  readonly db: Database;
  readonly file: string;
  /** notices that could not be stored (the database refused the write): kept for this run */
  private readonly unstoredNotices: Notice[] = [];
  private readonly now: () => number;
  private readonly stmt: ReturnType<typeof prepare>;
  /** one transaction wrapper for every command (better-sqlite3 builds four functions per wrapper) */
  private readonly wrapped: { immediate<T>(fn: () => T): T };

  /** problems found by the integrity check of a large file, which runs after open */
  readonly integrity: Promise<string[]>;

  private constructor(db: Database, file: string, notices: string[], now: () => number, integrity: Promise<string[]>) {
    this.integrity = integrity;
    this.db = db;
    this.file = file;
    this.now = now;
    this.stmt = prepare(db);
    this.wrapped = db.transaction((fn: () => unknown) => fn()) as unknown as { immediate<T>(fn: () => T): T };
    for (const message of notices) this.addNotice(message);
  }

  /** Something a person must be told until they acknowledge it: it survives restarts. */
  addNotice(message: string): void {
    try {
      this.transaction(() => this.stmt.addNotice.run(this.now(), message));
    } catch {
      this.unstoredNotices.push({ id: -1 - this.unstoredNotices.length, at: this.now(), message });
    }
  }

  /** Notices not yet acknowledged, oldest first. */
  notices(): Notice[] {
    return [...(this.stmt.openNotices.all() as Notice[]), ...this.unstoredNotices];
  }

  acknowledgeNotice(id: number): void {
    if (id < 0) {
      const i = this.unstoredNotices.findIndex((n) => n.id === id);
      if (i >= 0) this.unstoredNotices.splice(i, 1);
      return;
    }
    const changed = this.transaction(() => this.stmt.ackNotice.run(this.now(), id).changes);
    if (changed === 0) throw new OutboxError('NOT_FOUND', `No open notice with id ${id}`);
  }

  static open(file: string, options: { now?: () => number; busyTimeoutMs?: number; syncCheckBytes?: number } = {}): Outbox {
    const now = options.now ?? Date.now;
    const { db, notices, integrity } = openDatabase(file, { now, busyTimeoutMs: options.busyTimeoutMs, syncCheckBytes: options.syncCheckBytes });
    return new Outbox(db, file, notices, now, integrity);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Runs fn in one IMMEDIATE transaction, turning SQLite failures into actionable errors.
   * Inside another transaction fn is simply part of it, without a savepoint of its own (a
   * savepoint per update was a fifth of a group's claim): every command here checks before it
   * writes, so one that throws has written nothing, and a caller may catch that and go on.
   */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    try {
      return this.wrapped.immediate(fn);
    } catch (e) {
      throw translate(e, this.file);
    }
  }

  // ---- commands -------------------------------------------------------------------------

  /** Queues a checked update (see checkUpdate): merged into the order's pending update when the drainer has not read it. */
  enqueue(input: CheckedUpdate): EnqueueResult {
    return this.transaction(() => this.enqueueChecked(input));
  }

  /** All or nothing: one transaction. */
  enqueueMany(inputs: Iterable<CheckedUpdate>): EnqueueResult[] {
    const list = [...inputs];
    return this.transaction(() => {
      // An import is mostly orders with no update yet: found in a few statements, not one per row.
      const known = this.ordersWithUpdates(list);
      return list.map((input) => {
        const key = orderKey(input);
        const result = this.enqueueChecked(input, known.has(key));
        known.add(key);
        return result;
      });
    });
  }

  /** Which of these orders have any update now (keys as orderKey makes them). */
  private ordersWithUpdates(inputs: readonly CheckedUpdate[]): Set<string> {
    const byCompany = new Map<string, { profile: string; company: string; orders: string[] }>();
    for (const u of inputs) {
      const k = orderKey({ ...u, orderNumber: '' });
      let group = byCompany.get(k);
      if (!group) byCompany.set(k, (group = { profile: u.profile, company: u.company, orders: [] }));
      group.orders.push(u.orderNumber);
    }
    const known = new Set<string>();
    for (const { profile, company, orders } of byCompany.values()) {
      for (let i = 0; i < orders.length; i += 10_000) {
        const found = this.stmt.ordersWithUpdates.all(profile, company, JSON.stringify(orders.slice(i, i + 10_000))) as string[];
        for (const orderNumber of found) known.add(orderKey({ profile, company, orderNumber }));
      }
    }
    return known;
  }

  /** `mayHaveUpdates` false: the caller knows the order has none, so there is nothing to look up. */
  private enqueueChecked(input: CheckedUpdate, mayHaveUpdates = true): EnqueueResult {
    const now = this.now();
    const last = mayHaveUpdates
      ? (this.stmt.lastOfOrder.get(input.profile, input.company, input.orderNumber) as Pick<UpdateRow, 'id' | 'state' | 'fields' | 'base' | 'taken'> | undefined)
      : undefined;
    const request = { fields: input.fields, base: input.base, source: input.source, by: input.queuedBy };
    // Never into an update the drainer has read: it may be on the wire with its old values.
    if (last && last.state === 'pending' && last.taken === 0) {
      const fields = { ...(JSON.parse(last.fields) as Fields), ...input.fields };
      // The earliest known base of a field is what the first person saw; keep it.
      const oldBase = last.base === null ? null : (JSON.parse(last.base) as Fields);
      const base = oldBase || input.base ? { ...(input.base ?? {}), ...(oldBase ?? {}) } : null;
      this.stmt.coalesce.run(JSON.stringify(fields), base === null ? null : JSON.stringify(base), now, last.id);
      this.addEvent(last.id, 'coalesced', request, now);
      return { id: last.id, coalesced: true };
    }
    const behind = last && (last.state === 'pending' || last.state === 'sending' || last.state === 'held') ? last.id : undefined;
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
    this.addEvent(id, 'queued', behind === undefined ? request : { ...request, behind }, now);
    return behind === undefined ? { id, coalesced: false } : { id, coalesced: false, behind };
  }

  hold(id: number, by: string): Update {
    return this.transition(id, ['pending'], 'held', 'held', { by });
  }

  release(id: number, by: string): Update {
    return this.transition(id, ['held'], 'pending', 'released', { by }, { nextAttemptAt: this.now() });
  }

  /** Cancelling keeps the row and its history: it ends as failed with code CANCELLED. */
  /** Drops a pending, held or failed update (kept, as failed with CANCELLED); undoCancel brings it back. */
  cancel(id: number, by: string): Update {
    return this.transaction(() => {
      const u = this.requireState(id, ['pending', 'held', 'failed']);
      if (u.lastError?.code === 'CANCELLED') throw new OutboxError('INVALID_STATE', `Update ${id} is already cancelled`);
      return this.transition(id, [u.state], 'failed', 'cancelled', { by, from: u.state, error: u.state === 'failed' ? u.lastError : null }, {
        lastError: { code: 'CANCELLED', message: `Cancelled by ${by}` },
      });
    });
  }

  /** Undoes a cancel: the update goes back to what it was (pending, held, or failed with its error). */
  undoCancel(id: number, by: string): Update {
    return this.transaction(() => {
      const u = this.requireState(id, ['failed']);
      const cancelled = [...this.history(id)].reverse().find((e) => e.kind === 'cancelled');
      if (u.lastError?.code !== 'CANCELLED' || !cancelled) throw new OutboxError('INVALID_STATE', `Update ${id} was not cancelled; only a cancel can be undone`);
      const from = cancelled.detail?.from;
      if (from === 'failed') {
        const error = (cancelled.detail?.error as LastError | null) ?? { code: 'FAILED', message: 'It had failed before it was cancelled.' };
        return this.transition(id, ['failed'], 'failed', 'restored', { by }, { lastError: error });
      }
      return this.transition(id, ['failed'], from === 'held' ? 'held' : 'pending', 'restored', { by }, { nextAttemptAt: this.now(), lastError: null });
    });
  }

  /** "Try now": every pending update waiting for a later try is due at once. Returns how many. */
  dueNow(): number {
    const now = this.now();
    return this.transaction(() => this.stmt.dueNow.run(now, now).changes);
  }

  /** Failed updates a person should look at (cancelled ones are failed too, but dealt with). */
  failedNeedingLook(): number {
    return (this.stmt.failedNeedingLook.get() as { n: number }).n;
  }

  /**
   * A person edits a failed or held update and sends it again: the new values replace the old
   * ones (with the base they were decided on, if given) and it is due now.
   */
  requeue(id: number, fields: Fields, base: Fields | null, by: string): Update {
    return this.transaction(() => {
      const u = this.requireState(id, ['failed', 'held']);
      const now = this.now();
      const keptBase = Object.fromEntries(Object.entries(base ?? u.base ?? {}).filter(([f]) => f in fields));
      this.stmt.replaceFields.run(JSON.stringify(fields), Object.keys(keptBase).length ? JSON.stringify(keptBase) : null, now, id);
      this.stmt.setRaces.run(0, id);
      return this.transition(id, [u.state], 'pending', 'requeued', { by, fields, base: keptBase }, { nextAttemptAt: now, lastError: null });
    });
  }

  /**
   * The drainer reads the next due updates (never two of one order) and marks them taken in
   * the same transaction, so a change queued meanwhile waits behind instead of merging.
   */
  takeDue(now: number, limit: number): TakenUpdate[] {
    const n = Math.max(1, Math.floor(limit));
    // Nothing due is the common case when idle: answered by a read, no write transaction.
    if (!this.stmt.nextDue.get(now, 1)) return [];
    // The taken mark needs no fsync of its own: a crash clears it anyway (recoverInterrupted),
    // and the next durable commit (the claim) writes it out with everything before it. Read and
    // marked in one transaction, so a change queued meanwhile cannot slip in between.
    return this.lightly(() =>
      this.transaction(() =>
        (this.stmt.nextDue.all(now, n) as UpdateRow[]).map((r) => {
          this.stmt.take.run(r.id);
          return { ...toUpdate(r), ownValues: this.ownValues(r) };
        }),
      ),
    );
  }

  /** Runs fn with synchronous=NORMAL: for marks that may be lost on power loss without harm. */
  private lightly<T>(fn: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Lets go of taken updates that were not settled (the drain stopped before sending them). */
  releaseTaken(ids: readonly number[]): void {
    this.transaction(() => {
      for (const id of ids) this.stmt.untake.run(id);
    });
  }

  private ownValues(r: Pick<UpdateRow, 'profile' | 'company' | 'order_no'>): Record<string, FieldValue[]> {
    const out: Record<string, FieldValue[]> = {};
    for (const w of this.stmt.ownWrites.iterate(r.profile, r.company, r.order_no) as Iterable<{ field: string; value: string }>) {
      (out[w.field] ??= []).push(JSON.parse(w.value) as FieldValue);
    }
    return out;
  }

  /**
   * The drainer takes an update before its PATCH. Fields that had no base get the values D365
   * held at the first GET, stored in the same transaction: after a crash the three-way check
   * must compare against what we saw then, not what D365 holds after. The values about to be
   * sent are remembered as our own, whatever the PATCH's outcome turns out to be.
   */
  claim(id: number, baseAdditions: Fields = {}): Update {
    return this.transaction(() => {
      const u = this.requireState(id, ['pending']);
      const now = this.now();
      const missing = Object.entries(baseAdditions).filter(([f]) => f in u.fields && !(u.base && f in u.base));
      for (const [field, value] of Object.entries(u.fields)) {
        this.stmt.ownWrite.run(u.profile, u.company, u.orderNumber, field, JSON.stringify(value), now);
        // the count is an index probe; the prune's sorted subquery costs ten times more, and is rarely needed
        if ((this.stmt.countOwnWrites.get(u.profile, u.company, u.orderNumber, field) as number) > OWN_VALUES_KEPT) {
          this.stmt.pruneOwnWrites.run(u.profile, u.company, u.orderNumber, field, OWN_VALUES_KEPT);
        }
      }
      // only the base and the state: touching `fields` would rewrite the search index for nothing
      this.stmt.claim.run(now, missing.length > 0 ? JSON.stringify({ ...(u.base ?? {}), ...Object.fromEntries(missing) }) : null, id);
      this.addEvent(id, 'sending', { attempt: u.attempts + 1, fields: u.fields }, now);
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

  /**
   * A pass that ended still losing the ETag race. Past `limit` such passes in a row the update
   * stops trying by itself: it fails with LOST_RACE, which a person sees and can retry.
   */
  lostRace(id: number, nextAttemptAt: number, error: LastError, limit: number, detail: Record<string, unknown> = {}): Update {
    return this.transaction(() => {
      const u = this.requireState(id, ['sending', 'pending']);
      const races = (this.stmt.getRaces.get(id) as { lost_races: number }).lost_races + 1;
      this.stmt.setRaces.run(races, id);
      if (races < limit) return this.defer(id, nextAttemptAt, error, { ...detail, lostRaces: races });
      const minutes = Math.max(1, Math.round((this.now() - u.createdAt) / 60_000));
      const lost: LastError = {
        code: 'LOST_RACE',
        message:
          `Keeps losing the race: someone changed this order in D365 before each of our last ${races} tries (over ${minutes} min), so nothing was sent. ` +
          'Retry it when the order is quieter, or find out who else keeps changing it.',
      };
      return this.markFailed(id, lost, { ...detail, lostRaces: races, cause: error.message });
    });
  }

  /** A person sends a failed update again (or undoes a cancel): back to pending, due now. */
  retry(id: number, by: string): Update {
    return this.transaction(() => {
      const u = this.transition(id, ['failed'], 'pending', 'requeued', { by }, { nextAttemptAt: this.now(), lastError: null });
      this.stmt.setRaces.run(0, id);
      return u;
    });
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
      this.logConflicts(u, conflicts, etag, now, null);
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
      for (const c of conflicts) this.logConflicts(this.requireUpdate(id), [c], etag, this.now(), c.resolution);
    });
  }

  /** The one place a conflict enters the log: waiting for a person, or settled by a policy. */
  private logConflicts(u: Update, conflicts: FieldConflict[], etag: string | null, now: number, settledBy: 'policy-ours' | 'policy-theirs' | null): void {
    for (const c of conflicts) {
      this.stmt.insertConflict.run({
        updateId: u.id,
        profile: u.profile,
        company: u.company,
        orderNo: u.orderNumber,
        field: c.field,
        base: JSON.stringify(c.base),
        ours: JSON.stringify(c.ours),
        theirs: JSON.stringify(c.theirs),
        etag,
        now,
        resolution: settledBy,
        resolvedBy: settledBy ? 'policy' : null,
      });
    }
  }

  /**
   * A person decides a conflict. keep-mine re-applies our values over what D365 now holds
   * (the current values become the base, so the next pass sends them with a fresh ETag);
   * take-theirs drops the contested fields; edit replaces our values and requeues.
   */
  resolve(id: number, resolution: Resolution, by: string): Update {
    if (resolution.action === 'edit') {
      const checked = FieldsSchema.safeParse(resolution.fields);
      if (!checked.success) throw badInput(describeIssue({}, { ...checked.error.issues[0]!, path: ['fields', ...checked.error.issues[0]!.path] }));
      resolution = { action: 'edit', fields: checked.data };
    }
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
      // Only the one drainer takes updates: whatever is marked taken now was left by a dead one.
      this.stmt.untakeAll.run();
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

  /**
   * Due times further ahead than `horizonMs` were set by a clock that was wrong (or by a wait
   * longer than any backoff): they are due now. Returns how many were pulled in.
   */
  pullInFarFuture(now: number, horizonMs: number): number {
    if (!this.stmt.farFuture.get(now + horizonMs)) return 0;
    return this.transaction(() => this.stmt.pullIn.run(now, now + horizonMs).changes);
  }

  /** When the earliest pending update becomes due (for sleeping until then). */
  nextDueAt(): number | null {
    const row = this.stmt.nextDueAt.get() as { at: number | null } | undefined;
    return row?.at ?? null;
  }

  /** Newest first, keyset-paged so deep pages stay fast; a search is indexed (search.ts). */
  page(query: PageQuery): Page<Update> {
    const limit = Math.max(1, Math.min(1000, Math.floor(query.limit)));
    const term = normaliseSearch(query.search);
    let rows: UpdateRow[];
    let matches: MatchCount | null = null;
    if (term) {
      const found = searchUpdates(this.db, { term, state: query.state, limit, after: query.after });
      rows = found.rows as UpdateRow[];
      matches = found.matches;
    } else {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: limit + 1 };
      if (query.state) {
        where.push('state = @state');
        params.state = query.state;
      }
      if (query.after) {
        where.push('(updated_at < @afterAt OR (updated_at = @afterAt AND id < @afterId))');
        params.afterAt = query.after.updatedAt;
        params.afterId = query.after.id;
      }
      const sql = `SELECT * FROM updates ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
        ORDER BY updated_at DESC, id DESC LIMIT @limit`;
      rows = this.db.prepare(sql).all(params) as UpdateRow[];
    }
    const items = rows.slice(0, limit).map(toUpdate);
    const last = items[items.length - 1];
    const next = rows.length > limit && last ? { updatedAt: last.updatedAt, id: last.id } : null;
    return matches ? { items, next, matches } : { items, next };
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
