import type { D365Error } from '../d365/errors.ts';
import { isOutboxError } from '../errors.ts';
import type { AgentEvent } from '../events.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { LastError, Update } from '../outbox/types.ts';
import type { SendOutcome } from './etag-retry.ts';

export interface SettleOptions {
  now: number;
  /** a pass that gave up on concurrency waits this long before the next */
  gaveUpDelayMs: number;
  /** after this many such passes in a row the update fails with LOST_RACE */
  raceLimit: number;
  /** when the pause an interruption causes ends: its updates are due again then */
  resumeAt: number | null;
}

/** What an update ended as in this pass, for the summary and the metrics. */
export type Tally = 'done' | 'conflict' | 'failed' | 'deferred' | 'interrupted' | 'stopped';

export interface Settled {
  /** what to tell listeners once the transaction has committed */
  events: AgentEvent[];
  /** how each recorded update ended (an update a person held meanwhile is not among them) */
  tallies: Tally[];
  /** the first error that concerns the connection, not one order: the drain must pause */
  interruption: D365Error | null;
}

/**
 * Records the outcomes of one pass over a group in the outbox. Runs inside the caller's
 * transaction and returns the events instead of emitting them: a commit that fails (disk
 * full) must not already have told anyone "done".
 */
export function settleGroup(
  outbox: Outbox,
  updates: readonly Update[],
  outcomes: ReadonlyMap<number, SendOutcome>,
  claimed: ReadonlySet<number>,
  opts: SettleOptions,
): Settled {
  const result: Settled = { events: [], tallies: [], interruption: null };
  for (const u of updates) {
    const outcome = outcomes.get(u.id);
    if (!outcome) continue;
    try {
      const event = settleOne(outbox, u, outcome, claimed.has(u.id), opts);
      if (event) result.events.push(event);
      result.tallies.push(tallyOf(outcome, event));
      if (outcome.kind === 'interrupted') result.interruption ??= outcome.error;
    } catch (e) {
      // A person held or cancelled the update while its GET was in flight: their word wins.
      if (!(isOutboxError(e) && e.code === 'INVALID_STATE' && !claimed.has(u.id))) throw e;
    }
  }
  // Whatever was read but not settled (the drain stopped first) may take new changes again.
  outbox.releaseTaken(updates.map((u) => u.id));
  return result;
}

function settleOne(outbox: Outbox, update: Update, outcome: SendOutcome, claimed: boolean, opts: SettleOptions): AgentEvent | null {
  const key = { company: update.company, orderNumber: update.orderNumber };
  switch (outcome.kind) {
    case 'done':
      outbox.logAutoResolved(update.id, outcome.autoResolved, outcome.etagBefore);
      outbox.markDone(update.id, {
        alreadyApplied: outcome.alreadyApplied,
        etagBefore: outcome.etagBefore,
        etagAfter: outcome.etagAfter,
        sent: outcome.sent,
        retries: outcome.retries,
      });
      return { type: 'done', id: update.id, ...key, alreadyApplied: outcome.alreadyApplied };
    case 'conflict':
      outbox.logAutoResolved(update.id, outcome.autoResolved, outcome.etag);
      outbox.markConflict(update.id, outcome.conflicts, outcome.etag);
      return { type: 'conflict', id: update.id, ...key, fields: outcome.conflicts };
    case 'failed': {
      const error = lastError(outcome.error);
      outbox.markFailed(update.id, error, { status: outcome.error.status });
      return { type: 'failed', id: update.id, ...key, error };
    }
    case 'gave-up': {
      const until = opts.now + opts.gaveUpDelayMs;
      const error = { code: 'CONCURRENCY', message: `Still changing in D365 after ${outcome.retries} tries; will try again later. ${outcome.error.message}` };
      const u = outbox.lostRace(update.id, until, error, opts.raceLimit, { retries: outcome.retries });
      if (u.state === 'failed') return { type: 'failed', id: update.id, ...key, error: u.lastError! };
      return { type: 'deferred', id: update.id, until, error };
    }
    case 'interrupted': {
      const error = lastError(outcome.error);
      // Outage probes repeat the same error: record it once, not on every probe.
      if (claimed || outcome.error.code === 'THROTTLED' || update.lastError?.message !== error.message) {
        outbox.defer(update.id, opts.resumeAt ?? opts.now, error, { reason: outcome.error.code });
      }
      return null;
    }
    case 'stopped':
      if (claimed) outbox.defer(update.id, opts.now, null, { reason: 'drain stopped' });
      return null;
  }
}

function tallyOf(outcome: SendOutcome, event: AgentEvent | null): Tally {
  if (outcome.kind === 'gave-up') return event?.type === 'failed' ? 'failed' : 'deferred';
  return outcome.kind;
}

export function lastError(e: D365Error): LastError {
  return { code: e.code, message: e.message };
}
