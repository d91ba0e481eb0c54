import type { D365Client, OrderSnapshot } from '../d365/client.ts';
import type { D365Error } from '../d365/errors.ts';
import type { FieldPolicy } from '../d365/profile.ts';
import { isOutboxError } from '../errors.ts';
import { needsPerson, type AgentEvent, type EventBus, type PauseReason } from '../events.ts';
import type { Metrics } from '../metrics.ts';
import { acquireDrainLock } from '../outbox/drain-lock.ts';
import type { Outbox, TakenUpdate } from '../outbox/outbox.ts';
import { adaptRetry } from './adaptive-retry.ts';
import { DEFAULT_RETRY, prepareGroup, sendGroup, type PreparedGroup, type RetryPolicy, type SendDeps, type SendHooks, type SendOutcome } from './etag-retry.ts';
import { PauseControl } from './pause.ts';
import { realScheduler, type Scheduler } from './scheduler.ts';
import { settleGroup, type Tally } from './settle.ts';

export interface DrainerOptions {
  retry?: RetryPolicy;
  /** bounds for the adaptive retry limit */
  retryLimitMax?: number;
  /** a pass that gave up on concurrency waits this long before the next */
  gaveUpDelayMs?: number;
  /** passes in a row that lose the ETag race before a person is asked (LOST_RACE) */
  raceLimit?: number;
  /** first and largest wait between offline probes */
  probeMinMs?: number;
  probeMaxMs?: number;
  /** a pause longer than this raises an alert saying when sending resumes (default 15 min) */
  longPauseMs?: number;
  /** how often to look for work queued by another process */
  pollMs?: number;
  /** orders per $batch round trip (1 = single requests) */
  batchSize?: number;
  fieldPolicy?: Record<string, FieldPolicy>;
  scheduler?: Scheduler;
  random?: () => number;
}

export interface DrainStatus {
  running: boolean;
  paused: { reason: PauseReason; until: number | null; message: string; since: number } | null;
  inFlight: number | null;
  sentThisRun: number;
}

export interface DrainSummary {
  done: number;
  conflict: number;
  failed: number;
  deferred: number;
  /** set when draining stopped because a person must act (credentials, user pause, storage) */
  stoppedBecause: PauseReason | null;
}

/** A group read ahead, checked and claimed: its writes are the next request. */
interface Prepared {
  updates: TakenUpdate[];
  claimed: Set<number>;
  group: PreparedGroup;
}

type Settings = Required<Omit<DrainerOptions, 'retry' | 'scheduler'>> & { retry: RetryPolicy };

/**
 * Sends the outbox in due-time then queue order, one request in flight. Every failure inside
 * the loop becomes a pause with a reason (see PauseControl): throttling, outages and storage
 * trouble end by themselves, the rest when a person acts. The loop itself never dies while it
 * is wanted: Resume and Drain now restart it if anything ever stopped it.
 */
export class Drainer {
  private readonly outbox: Outbox;
  private client: D365Client | null;
  private readonly events: EventBus;
  private readonly metrics: Metrics;
  private readonly opts: Settings;
  private readonly clock: Scheduler;
  private readonly breaker: PauseControl;
  private inFlight: number | null = null;
  private loop: Promise<DrainSummary> | null = null;
  /** start() was called and stop() was not: the background loop must be running */
  private wanted = false;
  private stopper = new AbortController();
  private waker = new AbortController();
  private sentThisRun = 0;
  private startedAt = 0;
  /** gentle ramp-up after a throttle: a spacing between requests that halves per success */
  private spacingMs = 0;
  private recoverNeeded = true;
  /** a group taken and read while an earlier group's request was on the wire */
  private ahead: { updates: TakenUpdate[]; reads: Map<number, OrderSnapshot | D365Error> } | null = null;
  /** a group read ahead, then checked and claimed while the last request was on the wire: sent next */
  private prepared: Prepared | null = null;
  /** the last group's settle, run while the next group's first request is on the wire */
  private unsettled: (() => void) | null = null;
  /** the group after, taken while the last request was on the wire */
  private takenNext: TakenUpdate[] | null = null;

  constructor(outbox: Outbox, client: D365Client | null, events: EventBus, metrics: Metrics, options: DrainerOptions = {}) {
    this.outbox = outbox;
    this.client = client;
    this.events = events;
    this.metrics = metrics;
    this.clock = options.scheduler ?? realScheduler;
    this.opts = {
      retry: options.retry ?? DEFAULT_RETRY,
      retryLimitMax: options.retryLimitMax ?? 8,
      gaveUpDelayMs: options.gaveUpDelayMs ?? 30_000,
      raceLimit: Math.max(1, Math.floor(options.raceLimit ?? 10)),
      probeMinMs: options.probeMinMs ?? 1_000,
      probeMaxMs: options.probeMaxMs ?? 60_000,
      longPauseMs: options.longPauseMs ?? 15 * 60_000,
      pollMs: options.pollMs ?? 1_000,
      batchSize: Math.max(1, Math.floor(options.batchSize ?? 50)),
      fieldPolicy: options.fieldPolicy ?? client?.profile.fieldPolicy ?? {},
      random: options.random ?? Math.random,
    };
    this.breaker = new PauseControl(this.opts, () => this.clock.now(), this.opts.random, (e) => this.emit(e));
  }

  status(): DrainStatus {
    return { running: this.loop !== null, paused: this.breaker.current, inFlight: this.inFlight, sentThisRun: this.sentThisRun };
  }

  /** A new connection (after settings change); null holds the queue with the reason given. */
  setClient(client: D365Client | null, whyNone = 'Not connected to D365.'): void {
    this.client = client;
    const p = this.breaker.current;
    if (client === null) this.breaker.pause('not-connected', null, whyNone);
    else if (p && (p.reason === 'credentials' || p.reason === 'not-connected')) this.breaker.resume();
    this.wake();
  }

  /** The retry limit a person set in Settings applies from the next pass on. */
  setRetryLimit(limit: number): void {
    this.opts.retry = { ...this.opts.retry, retryLimit: limit };
  }

  /** Starts draining in the background until stop(). */
  start(): void {
    this.wanted = true;
    this.ensureLoop();
  }

  /** Drains until nothing is due (waiting out throttles and outages), or a person must act. */
  async drainUntilIdle(): Promise<DrainSummary> {
    if (this.loop) throw new Error('the drainer is already running');
    this.stopper = new AbortController();
    this.loop = this.run(true).finally(() => {
      this.loop = null;
    });
    return this.loop;
  }

  /** Finishes the request in flight, leaves the outbox consistent, and stops. */
  async stop(): Promise<void> {
    this.wanted = false;
    this.stopper.abort();
    this.wake();
    await this.loop;
    this.flushMetrics();
  }

  pause(reason: PauseReason = 'user', message = 'Paused by a person'): void {
    this.breaker.pause(reason, null, message);
    this.wake();
  }

  /** Clears any pause a person may clear, and restarts the loop if something stopped it. */
  resume(): void {
    if (this.breaker.current?.reason === 'not-connected' && !this.client) return;
    this.breaker.resume();
    this.ensureLoop();
    this.wake();
  }

  /** Look for due work now instead of at the next poll (and restart a loop that stopped). */
  wake(): void {
    this.ensureLoop();
    this.waker.abort();
  }

  private ensureLoop(): void {
    if (!this.wanted || this.loop) return;
    this.stopper = new AbortController();
    this.loop = this.run(false)
      .catch((e: unknown) => {
        this.breaker.pause('error', null, `Sending stopped after an unexpected error: ${e instanceof Error ? e.message : String(e)}. Press Resume to try again.`);
        return { done: 0, conflict: 0, failed: 0, deferred: 0, stoppedBecause: 'error' as const };
      })
      .finally(() => {
        this.loop = null;
      });
  }

  private get stopping(): boolean {
    return this.stopper.signal.aborted;
  }

  private emit(e: AgentEvent): void {
    this.events.emit(e);
  }

  private async run(untilIdle: boolean): Promise<DrainSummary> {
    const summary: DrainSummary = { done: 0, conflict: 0, failed: 0, deferred: 0, stoppedBecause: null };
    this.startedAt = this.clock.now();
    this.sentThisRun = 0;
    let release: (() => void) | null = null;
    let lastFlush = this.clock.now();
    while (!this.stopping) {
      try {
        // The single-drainer lock: held by another live process, it is a pause that is probed.
        release ??= acquireDrainLock(this.outbox.file);
        if ((await this.step(untilIdle, summary)) === 'stop') break;
        if (this.clock.now() - lastFlush > 2000) {
          this.metrics.flush();
          lastFlush = this.clock.now();
        }
      } catch (e) {
        if (await this.failed(e, untilIdle, summary)) break;
      }
    }
    try {
      this.settleBehind();
    } catch {
      // its updates stay 'sending': the recovery at the next start re-checks them
      this.recoverNeeded = true;
    }
    this.dropAhead(summary);
    release?.();
    this.flushMetrics();
    return summary;
  }

  /** The next group, taken already while the last request was on the wire, or taken now. */
  private takeNext(client: D365Client): TakenUpdate[] {
    const next = this.takenNext;
    this.takenNext = null;
    return next ?? this.takeGroup(client);
  }

  /** Takes the next due group, as many orders as one request carries. */
  private takeGroup(client: D365Client): TakenUpdate[] {
    return this.outbox.takeDue(this.clock.now(), this.batchSize(client));
  }

  /**
   * The groups taken, read or prepared ahead are not going to be sent now: let them take new
   * changes again. What a prepared group's reads decided is recorded; its claimed writes, never
   * sent, are due again.
   */
  private dropAhead(summary: DrainSummary): void {
    const ids = [...(this.ahead?.updates ?? []), ...(this.takenNext ?? [])].map((u) => u.id);
    const prepared = this.prepared;
    this.ahead = null;
    this.takenNext = null;
    this.prepared = null;
    try {
      if (prepared) {
        const outcomes = new Map(prepared.group.outcomes);
        for (const w of prepared.group.writes) outcomes.set(w.a.update.id, { kind: 'stopped', retries: w.a.retries });
        this.settle(prepared.updates, outcomes, prepared.claimed, summary, null);
      }
      if (ids.length > 0) this.outbox.releaseTaken(ids);
    } catch {
      // recoverInterrupted clears it at the next start
      this.recoverNeeded = true;
    }
  }

  /** Turns any failure inside the loop into a pause. Returns true when a drain-until-idle must stop. */
  private async failed(e: unknown, untilIdle: boolean, summary: DrainSummary): Promise<boolean> {
    if (isOutboxError(e)) {
      // The outbox itself failed (disk full, locked, damaged): nothing is lost — every update
      // stays where its last committed transaction left it. An outcome that could not be
      // recorded leaves its update taken or 'sending': re-check those. Probe again later.
      this.recoverNeeded = true;
      const wait = this.breaker.probe('storage', e.message);
      if (untilIdle && (e.code === 'DB_LOCKED' || this.breaker.probes > 6)) {
        summary.stoppedBecause = 'storage';
        return true;
      }
      await this.idle(wait);
      return false;
    }
    // Anything else is a fault of ours: stop sending, say why, and wait for Resume.
    this.recoverNeeded = true;
    this.breaker.pause('error', null, `Sending stopped after an unexpected error: ${e instanceof Error ? e.message : String(e)}. Press Resume to try again.`);
    if (untilIdle) {
      summary.stoppedBecause = 'error';
      return true;
    }
    await this.idle(this.opts.pollMs * 10);
    return false;
  }

  /** One turn of the loop: wait for what the pause says, or send the next group. */
  private async step(untilIdle: boolean, summary: DrainSummary): Promise<'stop' | 'go'> {
    // The last group settles while the next one's first request is on the wire; on any other
    // way (a recovery, a pause, a stop, no connection) it settles first.
    if (this.recoverNeeded || this.breaker.current || this.stopping || !this.client) this.settleBehind();
    if (this.recoverNeeded) {
      this.dropAhead(summary);
      this.outbox.recoverInterrupted();
      this.recoverNeeded = false;
    }
    const now = this.clock.now();
    const p = this.breaker.current;
    const client = this.client;
    if ((this.ahead || this.prepared || this.takenNext) && (!client || p || this.stopping)) this.dropAhead(summary);
    if (!client || (p && needsPerson(p.reason))) {
      if (untilIdle) {
        summary.stoppedBecause = p?.reason ?? 'not-connected';
        return 'stop';
      }
      await this.idle(this.opts.pollMs * 10);
      return 'go';
    }
    if (p?.until && p.until > now) {
      await this.idle(p.until - now);
      return 'go';
    }
    // A due time beyond every wait we ever set came from a wrong clock: it is due now.
    this.outbox.pullInFarFuture(now, this.horizonMs());
    const prepared = this.prepared;
    const ahead = prepared ? null : this.ahead;
    this.prepared = null;
    if (!prepared) this.ahead = null;
    let group = prepared?.updates ?? ahead?.updates ?? this.takeNext(client);
    // The last group's outcomes may free what is due next (an update queued behind one of its orders).
    if (group.length === 0 && this.settleBehind()) group = this.takeGroup(client);
    if (group.length === 0) {
      if (p?.reason === 'storage') this.breaker.resume();
      const at = this.outbox.nextDueAt();
      if (untilIdle) {
        if (at === null) return 'stop';
        // Something is pending but not yet due (a retry later): wait for it.
        await this.idle(Math.max(10, at - now));
        return 'go';
      }
      await this.idle(at === null ? this.opts.pollMs : Math.min(this.opts.pollMs, Math.max(10, at - now)));
      return 'go';
    }
    if (this.spacingMs >= 10) {
      this.settleBehind();
      await this.idle(this.spacingMs);
    }
    if (this.stopping) {
      this.settleBehind();
      // a prepared group is claimed: the end of the run lets go of it with the rest (dropAhead)
      if (prepared) this.prepared = prepared;
      else this.outbox.releaseTaken(group.map((u) => u.id));
      return 'stop';
    }
    await this.send(group, client, summary, { prepared, reads: ahead?.reads });
    return 'go';
  }

  /** The longest wait the drain itself ever asks for; anything due later is due now. */
  private horizonMs(): number {
    // ×2: the adaptive retry stretches backoffs by at most that much.
    return Math.max(this.opts.probeMaxMs, this.opts.gaveUpDelayMs, ...this.opts.retry.backoffMs) * 2;
  }

  /**
   * K orders per round trip where the server takes $batch (one at a time where it does not),
   * at most half the batch limit: a group's writes travel with the next group's reads.
   */
  private batchSize(client: D365Client): number {
    return client.batching === false ? 1 : Math.max(1, Math.min(this.opts.batchSize, Math.floor(client.maxBatchOperations / 2)));
  }

  /** The claim before a group's first writes: one transaction; the ids still pending are claimed (a person may have held one). */
  private hooks(claimed: Set<number>): SendHooks {
    return {
      claim: (items) => {
        const allowed = new Set<number>();
        this.outbox.transaction(() => {
          for (const { id, baseAdditions } of items) {
            try {
              this.outbox.claim(id, baseAdditions);
              allowed.add(id);
            } catch (e) {
              if (!(isOutboxError(e) && e.code === 'INVALID_STATE')) throw e;
            }
          }
        });
        for (const id of allowed) claimed.add(id);
        return allowed;
      },
      request: (_method, count) => this.metrics.count('requests', count),
      concurrencyError: () => this.metrics.count('concurrencyErrors'),
      retrying: (id, attempt, delayMs, error) => {
        this.metrics.count('retries');
        this.outbox.note(id, 'retrying', { attempt, delayMs, reason: error.message });
        this.emit({ type: 'retrying', id, attempt, delayMs, reason: error.message });
      },
    };
  }

  private sendDeps(): Pick<SendDeps, 'sleep' | 'random' | 'signal' | 'fieldPolicy'> {
    return {
      sleep: async (ms, signal) => {
        await this.clock.sleep(ms, signal);
        return !signal?.aborted;
      },
      random: this.opts.random,
      signal: this.stopper.signal,
      fieldPolicy: this.opts.fieldPolicy,
    };
  }

  /**
   * Sends one group. Its first reads may have travelled ahead (`first.reads`), or its whole first
   * round may be done (`first.prepared`: read, checked and claimed while the last request travelled).
   */
  private async send(updates: TakenUpdate[], client: D365Client, summary: DrainSummary, first: { prepared: Prepared | null; reads?: ReadonlyMap<number, OrderSnapshot | D365Error> }): Promise<void> {
    for (const u of updates) this.emit({ type: 'sending', id: u.id, company: u.company, orderNumber: u.orderNumber });
    this.inFlight = updates[0]!.id;
    const { prepared } = first;
    const claimed = prepared?.claimed ?? new Set<number>();
    let outcomes: Map<number, SendOutcome>;
    let settleFailure: { e: unknown } | null = null;
    // groups taken to read along whose answer has not come: a failure here strands their taken marks
    let riding = 0;
    try {
      const result = await sendGroup(updates, client, this.retryPolicy(), this.hooks(claimed), {
        ...this.sendDeps(),
        prefetched: first.reads,
        prepared: prepared?.group,
        // Only where orders travel together in $batch: reads that ride along save a round trip
        // per group, and a group read ahead is checked and claimed during the next request.
        // Room for one group read ahead and one prepared: no more is taken to ride along.
        readAhead:
          client.batching === false || updates.length < 2
            ? undefined
            : {
                take: () => {
                  if (this.ahead && this.prepared) return [];
                  const next = this.takeNext(client);
                  if (next.length > 0) riding++;
                  return next;
                },
                arrived: (next, reads) => {
                  riding--;
                  const taken = next as TakenUpdate[];
                  if (reads && reads.length === taken.length && !this.ahead) this.ahead = { updates: taken, reads: new Map(taken.map((u, i) => [u.id, reads[i]!])) };
                  else this.outbox.releaseTaken(taken.map((u) => u.id));
                },
              },
        // The outbox's work for the groups before and after this one, while its request travels.
        whileWaiting: () => {
          if (settleFailure) return;
          try {
            this.settleBehind();
            const ahead = this.ahead;
            if (this.prepared === null && ahead !== null) {
              this.ahead = null;
              const claimed = new Set<number>();
              this.prepared = { updates: ahead.updates, claimed, group: prepareGroup(ahead.updates, ahead.reads, client, this.hooks(claimed), this.opts) };
            }
            // A group taken earlier and not yet sent (it went with none: this group was too small
            // to carry reads ahead) is the next one still; another take would strand it.
            if (this.takenNext === null) {
              const next = this.takeGroup(client);
              if (next.length > 0) this.takenNext = next;
            }
          } catch (e) {
            settleFailure = { e };
          }
        },
      });
      outcomes = result.outcomes;
    } catch (e) {
      if (riding > 0) this.recoverNeeded = true;
      throw e;
    } finally {
      this.inFlight = null;
      // The last group, if its settle did not run while this one was on the wire; its failure
      // (the disk) leaves this group 'sending' for the recovery to re-check.
      if (settleFailure === null) this.settleBehind();
    }
    if (settleFailure !== null) {
      this.recoverNeeded = true;
      throw (settleFailure as { e: unknown }).e;
    }
    const interruption = [...outcomes.values()].find((o) => o.kind === 'interrupted');
    const plan = interruption?.kind === 'interrupted' ? this.pausePlan(interruption.error) : null;
    // In the steady state (no pause, nothing interrupted) the settle waits for the next group's
    // first request to be on the wire: a crash before it leaves both groups 'sending', which
    // the recovery re-checks, as after any crash mid-send.
    if (plan || this.breaker.current || this.stopping) this.settle(updates, outcomes, claimed, summary, plan);
    else this.unsettled = () => this.settle(updates, outcomes, claimed, summary, null);
  }

  /** Records a group's outcomes in one transaction (one fsync however many orders it held), then tells. */
  private settle(updates: readonly TakenUpdate[], outcomes: ReadonlyMap<number, SendOutcome>, claimed: ReadonlySet<number>, summary: DrainSummary, plan: ReturnType<Drainer['pausePlan']> | null): void {
    const settled = this.outbox.transaction(() =>
      settleGroup(this.outbox, updates, outcomes, claimed, {
        now: this.clock.now(),
        gaveUpDelayMs: this.opts.gaveUpDelayMs,
        raceLimit: this.opts.raceLimit,
        resumeAt: plan?.until ?? null,
      }),
    );
    // Committed: now it may be told.
    for (const t of settled.tallies) {
      this.count(t);
      if (t === 'done' || t === 'conflict' || t === 'failed' || t === 'deferred') summary[t]++;
    }
    if (settled.tallies.some((t) => t !== 'interrupted' && t !== 'stopped') && this.breaker.current && this.breaker.current.reason !== 'user') {
      this.breaker.resume();
    }
    for (const e of settled.events) this.emit(e);
    if (plan) this.breaker.pause(plan.reason, plan.until, plan.message);
    this.progress();
  }

  /** Settles the group whose settle waited for the next request; true if there was one. */
  private settleBehind(): boolean {
    const settle = this.unsettled;
    this.unsettled = null;
    settle?.();
    return settle !== null;
  }

  private count(t: Tally): void {
    if (t === 'done') {
      this.metrics.count('successes');
      this.sentThisRun++;
      this.spacingMs = Math.floor(this.spacingMs / 2);
    } else if (t === 'conflict') this.metrics.count('conflicts');
    else if (t === 'failed') this.metrics.count('failures');
  }

  /** What an error that concerns the connection does to the whole drain. */
  private pausePlan(e: D365Error): { reason: PauseReason; until: number | null; message: string } {
    const now = this.clock.now();
    switch (e.code) {
      case 'THROTTLED':
        // D365 means what it says, however long; push again gently afterwards.
        this.spacingMs = Math.max(this.spacingMs, 500);
        return { reason: 'throttled', until: now + (e.retryAfterMs ?? 5_000), message: e.message };
      case 'UNAUTHORIZED':
      case 'AUTH_FAILED':
        return { reason: 'credentials', until: null, message: e.message };
      default: {
        const wait = Math.round(this.breaker.nextProbeWait() * (0.8 + 0.4 * this.opts.random()));
        return { reason: e.code === 'OFFLINE' ? 'offline' : 'server', until: now + wait, message: e.message };
      }
    }
  }

  private progress(): void {
    const minutes = Math.max(1 / 60, (this.clock.now() - this.startedAt) / 60_000);
    this.emit({ type: 'progress', counts: this.outbox.counts(), sentThisRun: this.sentThisRun, ratePerMinute: this.sentThisRun / minutes });
  }

  private retryPolicy(): RetryPolicy {
    return adaptRetry(this.opts.retry, this.metrics.rateThisHour(), this.opts.retryLimitMax);
  }

  /** Metrics are best effort: a disk that cannot take them must not stop the drain. */
  private flushMetrics(): void {
    try {
      this.metrics.flush();
    } catch {
      // the counters stay in memory and are written with the next flush
    }
  }

  /** Sleeps up to ms; wake() or stop() cuts it short. */
  private async idle(ms: number): Promise<void> {
    if (this.stopping) return;
    this.waker = new AbortController();
    const both = AbortSignal.any([this.waker.signal, this.stopper.signal]);
    await this.clock.sleep(ms, both);
  }
}
