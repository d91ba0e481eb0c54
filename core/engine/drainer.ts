import type { D365Client } from '../d365/client.ts';
import type { D365Error } from '../d365/errors.ts';
import type { FieldPolicy } from '../d365/profile.ts';
import { isOutboxError } from '../errors.ts';
import { acquireDrainLock } from '../outbox/drain-lock.ts';
import type { EventBus, PauseReason } from '../events.ts';
import type { Metrics } from '../metrics.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { LastError, Update } from '../outbox/types.ts';
import { DEFAULT_RETRY, sendGroup, type RetryPolicy, type SendOutcome } from './etag-retry.ts';

export interface DrainerOptions {
  retry?: RetryPolicy;
  /** bounds for the adaptive retry limit */
  retryLimitMax?: number;
  /** a pass that gave up on concurrency waits this long before the next */
  gaveUpDelayMs?: number;
  /** first and largest wait between offline probes */
  probeMinMs?: number;
  probeMaxMs?: number;
  /** how often to look for work queued by another process */
  pollMs?: number;
  /** orders per $batch round trip (1 = single requests) */
  batchSize?: number;
  fieldPolicy?: Record<string, FieldPolicy>;
  now?: () => number;
  random?: () => number;
}

export interface DrainStatus {
  running: boolean;
  paused: { reason: PauseReason; until: number | null; message: string } | null;
  inFlight: number | null;
  sentThisRun: number;
}

export interface DrainSummary {
  done: number;
  conflict: number;
  failed: number;
  deferred: number;
  /** set when draining stopped because a person must act (credentials, user pause) */
  stoppedBecause: PauseReason | null;
}

/**
 * Sends the outbox one update at a time, in due-time then queue order. Throttling, outages
 * and rejected credentials pause the whole drain (per user, not per order); outages are
 * probed with capped backoff and the drain resumes by itself.
 */
export class Drainer {
  private readonly outbox: Outbox;
  private client: D365Client | null;
  private readonly events: EventBus;
  private readonly metrics: Metrics;
  private readonly opts: Required<Omit<DrainerOptions, 'retry'>> & { retry: RetryPolicy };
  private paused: DrainStatus['paused'] = null;
  private probeStreak = 0;
  private inFlight: number | null = null;
  private loop: Promise<DrainSummary> | null = null;
  private stopper = new AbortController();
  private wakeUp: (() => void) | null = null;
  private sentThisRun = 0;
  private startedAt = 0;
  /** gentle ramp-up after a throttle: a spacing between requests that halves per success */
  private spacingMs = 0;
  private recoverNeeded = false;

  constructor(outbox: Outbox, client: D365Client | null, events: EventBus, metrics: Metrics, options: DrainerOptions = {}) {
    this.outbox = outbox;
    this.client = client;
    this.events = events;
    this.metrics = metrics;
    this.opts = {
      retry: options.retry ?? DEFAULT_RETRY,
      retryLimitMax: options.retryLimitMax ?? 8,
      gaveUpDelayMs: options.gaveUpDelayMs ?? 30_000,
      probeMinMs: options.probeMinMs ?? 1_000,
      probeMaxMs: options.probeMaxMs ?? 60_000,
      pollMs: options.pollMs ?? 1_000,
      batchSize: Math.max(1, Math.floor(options.batchSize ?? 50)),
      fieldPolicy: options.fieldPolicy ?? client?.profile.fieldPolicy ?? {},
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
    };
  }

  status(): DrainStatus {
    return { running: this.loop !== null, paused: this.paused, inFlight: this.inFlight, sentThisRun: this.sentThisRun };
  }

  /** A new connection (after settings change): clears a credentials pause. */
  setClient(client: D365Client | null): void {
    this.client = client;
    if (this.paused?.reason === 'credentials') this.resume();
    this.wake();
  }

  /** Starts draining in the background until stop(). */
  start(): void {
    if (this.loop) return;
    this.stopper = new AbortController();
    this.loop = this.run(false)
      .catch((e: unknown) => {
        // The background drain must never die silently: say why it stopped.
        this.setPaused('user', null, `Sending stopped: ${e instanceof Error ? e.message : String(e)}`);
        return { done: 0, conflict: 0, failed: 0, deferred: 0, stoppedBecause: 'user' as const };
      })
      .finally(() => {
        this.loop = null;
      });
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
    this.stopper.abort();
    this.wake();
    await this.loop;
    this.metrics.flush();
  }

  pause(reason: PauseReason = 'user', message = 'Paused by a person'): void {
    this.setPaused(reason, null, message);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = null;
    this.probeStreak = 0;
    this.events.emit({ type: 'resumed' });
    this.wake();
  }

  /** Look for due work now instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  private get stopping(): boolean {
    return this.stopper.signal.aborted;
  }

  private async run(untilIdle: boolean): Promise<DrainSummary> {
    const release = acquireDrainLock(this.outbox.file);
    try {
      return await this.loopUntilDone(untilIdle);
    } finally {
      release();
    }
  }

  private async loopUntilDone(untilIdle: boolean): Promise<DrainSummary> {
    const summary: DrainSummary = { done: 0, conflict: 0, failed: 0, deferred: 0, stoppedBecause: null };
    this.startedAt = this.opts.now();
    this.sentThisRun = 0;
    this.outbox.recoverInterrupted();
    let lastFlush = this.opts.now();
    while (!this.stopping) {
      try {
        if ((await this.step(untilIdle, summary)) === 'stop') break;
      } catch (e) {
        if (!isOutboxError(e)) throw e;
        // The outbox itself failed (disk full, locked, damaged): nothing is lost — the update
        // stays where its last committed transaction left it. Wait and try again.
        const wait = this.nextProbeWait();
        // An outcome that could not be recorded leaves its update 'sending': re-check it.
        this.recoverNeeded = true;
        this.setPaused('storage', this.opts.now() + wait, e.message);
        if (untilIdle && this.probeStreak > 6) {
          summary.stoppedBecause = 'storage';
          break;
        }
        await this.idle(wait);
      }
      const now = this.opts.now();
      if (now - lastFlush > 2000) {
        this.metrics.flush();
        lastFlush = now;
      }
    }
    this.metrics.flush();
    return summary;
  }

  /** One turn of the loop: wait for what the pause says, or send the next group. */
  private async step(untilIdle: boolean, summary: DrainSummary): Promise<'stop' | 'go'> {
    if (this.recoverNeeded) {
      this.outbox.recoverInterrupted();
      this.recoverNeeded = false;
    }
    const now = this.opts.now();
    const p = this.paused;
    if (p && (p.reason === 'user' || p.reason === 'credentials' || !this.client)) {
      if (untilIdle) {
        summary.stoppedBecause = p.reason;
        return 'stop';
      }
      await this.idle(this.opts.pollMs * 10);
      return 'go';
    }
    const client = this.client;
    if (!client) {
      if (untilIdle) return 'stop';
      await this.idle(this.opts.pollMs);
      return 'go';
    }
    if (p?.until && p.until > now) {
      await this.idle(p.until - now);
      return 'go';
    }
    const group = this.outbox.dueBatch(now, this.batchSize(client));
    if (group.length === 0) {
      if (p?.reason === 'storage') this.resume();
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
    if (this.spacingMs >= 10) await this.idle(this.spacingMs);
    if (this.stopping) return 'stop';
    for (const outcome of await this.sendBatch(group, client)) this.tally(outcome, summary);
    return 'go';
  }

  /** One order per request until the server has shown it takes $batch, then K at a time. */
  private batchSize(client: D365Client): number {
    return client.batching === false ? 1 : this.opts.batchSize;
  }

  private tally(outcome: SendOutcome, summary: DrainSummary): void {
    if (outcome.kind === 'done') summary.done++;
    else if (outcome.kind === 'conflict') summary.conflict++;
    else if (outcome.kind === 'failed') summary.failed++;
    else if (outcome.kind === 'gave-up') summary.deferred++;
  }

  private async sendBatch(updates: Update[], client: D365Client): Promise<SendOutcome[]> {
    for (const u of updates) this.events.emit({ type: 'sending', id: u.id, company: u.company, orderNumber: u.orderNumber });
    this.inFlight = updates[0]!.id;
    const claimed = new Set<number>();
    let outcomes: Map<number, SendOutcome>;
    try {
      outcomes = await sendGroup(
        updates,
        client,
        this.retryPolicy(),
        {
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
            this.events.emit({ type: 'retrying', id, attempt, delayMs, reason: error.message });
          },
        },
        {
          sleep: (ms, signal) => this.sleep(ms, signal),
          random: this.opts.random,
          signal: this.stopper.signal,
          fieldPolicy: this.opts.fieldPolicy,
        },
      );
    } finally {
      this.inFlight = null;
    }
    const settled: SendOutcome[] = [];
    // One transaction for the whole group: one fsync, however many orders it held.
    this.outbox.transaction(() => {
      for (const u of updates) {
        const outcome = outcomes.get(u.id);
        if (!outcome) continue;
        try {
          this.settle(u, outcome, claimed.has(u.id));
          settled.push(outcome);
        } catch (e) {
          // A person held or cancelled the update while its GET was in flight: their word wins.
          if (!(isOutboxError(e) && e.code === 'INVALID_STATE' && !claimed.has(u.id))) throw e;
        }
      }
    });
    this.progress();
    return settled;
  }

  private settle(update: Update, outcome: SendOutcome, claimed: boolean): void {
    const key = { company: update.company, orderNumber: update.orderNumber };
    const now = this.opts.now();
    if (outcome.kind !== 'interrupted' && outcome.kind !== 'stopped' && this.paused && this.paused.reason !== 'user') this.resume();
    switch (outcome.kind) {
      case 'done': {
        this.outbox.logAutoResolved(update.id, outcome.autoResolved, outcome.etagBefore);
        this.outbox.markDone(update.id, {
          alreadyApplied: outcome.alreadyApplied,
          etagBefore: outcome.etagBefore,
          etagAfter: outcome.etagAfter,
          sent: outcome.sent,
          retries: outcome.retries,
        });
        this.metrics.count('successes');
        this.sentThisRun++;
        this.spacingMs = Math.floor(this.spacingMs / 2);
        this.events.emit({ type: 'done', id: update.id, ...key, alreadyApplied: outcome.alreadyApplied });
        break;
      }
      case 'conflict':
        this.outbox.logAutoResolved(update.id, outcome.autoResolved, outcome.etag);
        this.outbox.markConflict(update.id, outcome.conflicts, outcome.etag);
        this.metrics.count('conflicts');
        this.events.emit({ type: 'conflict', id: update.id, ...key, fields: outcome.conflicts });
        break;
      case 'failed': {
        const error = lastError(outcome.error);
        this.outbox.markFailed(update.id, error, { status: outcome.error.status });
        this.metrics.count('failures');
        this.events.emit({ type: 'failed', id: update.id, ...key, error });
        break;
      }
      case 'gave-up': {
        const until = now + this.opts.gaveUpDelayMs;
        const error = { code: 'CONCURRENCY', message: `Still changing in D365 after ${outcome.retries} tries; will try again later. ${outcome.error.message}` };
        this.outbox.defer(update.id, until, error, { retries: outcome.retries });
        this.events.emit({ type: 'deferred', id: update.id, until, error });
        break;
      }
      case 'interrupted':
        this.interrupted(update, outcome.error, claimed);
        break;
      case 'stopped':
        if (claimed) this.outbox.defer(update.id, now, null, { reason: 'drain stopped' });
        break;
    }
  }

  private interrupted(update: Update, e: D365Error, claimed: boolean): void {
    const now = this.opts.now();
    let reason: PauseReason;
    let until: number | null;
    switch (e.code) {
      case 'THROTTLED':
        reason = 'throttled';
        // D365 means what it says, however long; push again gently afterwards.
        until = now + (e.retryAfterMs ?? 5_000);
        this.spacingMs = Math.max(this.spacingMs, 500);
        break;
      case 'UNAUTHORIZED':
      case 'AUTH_FAILED':
        reason = 'credentials';
        until = null;
        break;
      default: {
        reason = e.code === 'OFFLINE' ? 'offline' : 'server';
        until = now + Math.round(this.nextProbeWait() * (0.8 + 0.4 * this.opts.random()));
      }
    }
    const error = lastError(e);
    // Outage probes repeat the same error: record it once, not on every probe.
    if (claimed || reason === 'throttled' || update.lastError?.message !== error.message) {
      this.outbox.defer(update.id, until ?? now, error, { reason });
    }
    this.setPaused(reason, until, e.message);
  }

  /** Capped exponential wait before the next probe of a failing link or store. */
  private nextProbeWait(): number {
    return Math.min(this.opts.probeMaxMs, this.opts.probeMinMs * 2 ** this.probeStreak++);
  }

  private setPaused(reason: PauseReason, until: number | null, message: string): void {
    const was = this.paused;
    this.paused = { reason, until, message };
    // One 'paused' per episode: probes during an outage do not repeat the alert.
    if (!was || was.reason !== reason || reason === 'throttled') this.events.emit({ type: 'paused', reason, until, message });
    this.wake();
  }

  private progress(): void {
    const minutes = Math.max(1 / 60, (this.opts.now() - this.startedAt) / 60_000);
    this.events.emit({ type: 'progress', counts: this.outbox.counts(), sentThisRun: this.sentThisRun, ratePerMinute: this.sentThisRun / minutes });
  }

  /**
   * More patience at busy hours: the retry limit and the waits between tries follow the
   * concurrency error rate measured at this hour of day, within the configured bound.
   */
  private retryPolicy(): RetryPolicy {
    const base = this.opts.retry;
    const rate = this.metrics.rateThisHour();
    if (rate === null || rate < 0.05) return base;
    return {
      ...base,
      retryLimit: Math.min(this.opts.retryLimitMax, base.retryLimit + Math.ceil(rate * 10)),
      backoffMs: base.backoffMs.map((ms) => Math.round(ms * (1 + rate))),
    };
  }

  /** Sleeps up to ms; a wake() or stop() cuts it short. Resolves false when stopping. */
  private sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve(!signal?.aborted);
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopper.signal.removeEventListener('abort', done);
        if (this.wakeUp === done) this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
      this.stopper.signal.addEventListener('abort', done, { once: true });
    });
  }
}

function lastError(e: D365Error): LastError {
  return { code: e.code, message: e.message };
}
