/**
 * Where the time of a drain goes: the product's drainer runs as it ships, with stopwatches put
 * around the outbox and client calls it makes (on those instances only, from outside). Each
 * stopwatch keeps its own time only: a call timed inside another (the next group's take, made
 * while this group's $batch is built) counts for itself, not twice. Work done while a request
 * is on the wire (the last group's settle, the claim of the group read ahead, the take of the
 * group after) counts for itself and as hidden: it is inside the request's time, not after it.
 * What no stopwatch covers is the loop itself: events, timers, waiting for the next turn.
 */
import type { Outbox } from '../../core/outbox/outbox.ts';
import type { Rig, SimulatorEndpoints } from '../core/engine/harness.ts';
import { drainRun } from './drain.ts';
import { figure, ratioFigure, type Baseline, type Figure } from './common.ts';

interface Stopwatch {
  ms: number;
  calls: number;
}

const STEPS = ['get', 'patch', 'take', 'sql', 'commit', 'query', 'flush'] as const;
/** the steps, the share of `sql` spent in claim transactions (the rest is the settle), and what ran while a request was on the wire */
type Watches = Record<(typeof STEPS)[number] | 'claimSql' | 'hidden', Stopwatch>;

/** The timed calls in progress, innermost last, each with the time of the calls inside it; a request to the server is `wire`. */
const open: { childMs: number; wire: boolean }[] = [];
let hidden: Stopwatch = { ms: 0, calls: 0 };

/**
 * Runs fn on the stopwatch, keeping only its own time (also when fn returns a promise: the drain
 * is serial). Inside a request on the wire, the time is hidden instead: the request's own time stays whole.
 */
function timed<R>(watch: Stopwatch, fn: () => R, wire = false): R {
  const frame = { childMs: 0, wire };
  const t = performance.now();
  open.push(frame);
  const stop = () => {
    open.splice(open.lastIndexOf(frame), 1);
    const elapsed = performance.now() - t;
    watch.ms += elapsed - frame.childMs;
    watch.calls++;
    const parent = open.at(-1);
    if (parent?.wire) {
      hidden.ms += elapsed;
      hidden.calls++;
    } else if (parent) parent.childMs += elapsed;
  };
  let result: R;
  try {
    result = fn();
  } catch (e) {
    stop();
    throw e;
  }
  if (result instanceof Promise) return result.finally(stop) as R;
  stop();
  return result;
}

/** Replaces obj[method] on this instance with a timed call into the original. */
function time<T extends object>(obj: T, method: keyof T & string, watch: Stopwatch, wire = false): () => void {
  const original = obj[method] as unknown as (...args: unknown[]) => unknown;
  Object.defineProperty(obj, method, {
    value(this: unknown, ...args: unknown[]): unknown {
      return timed(watch, () => original.apply(this, args), wire);
    },
    configurable: true,
    writable: true,
  });
  return () => {
    delete (obj as Record<string, unknown>)[method];
  };
}

/**
 * The drainer's own transactions (the claim before a PATCH, the settle of a group) are its
 * durable commits: the time in the function is the SQL work, the rest of the outermost call
 * is BEGIN and the COMMIT with its fsync. A transaction inside another timed call (the take,
 * whose mark is committed without an fsync; the far-future pull-in) counts for that call.
 */
function timeTransactions(outbox: Outbox, w: Pick<Watches, 'sql' | 'commit' | 'claimSql'>): () => void {
  const original = outbox.transaction;
  const claim = outbox.claim;
  let depth = 0;
  let claims = 0;
  Object.defineProperty(outbox, 'claim', {
    value(this: Outbox, ...args: Parameters<Outbox['claim']>) {
      claims++;
      return claim.apply(this, args);
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(outbox, 'transaction', {
    value<T>(this: Outbox, fn: () => T): T {
      if (depth > 0 || open.some((f) => !f.wire)) return original.call(this, fn) as T;
      depth++;
      const before = { sql: w.sql.ms, claims };
      try {
        return timed(w.commit, () => original.call(this, () => timed(w.sql, fn)) as T);
      } finally {
        depth--;
        if (claims > before.claims) {
          w.claimSql.ms += w.sql.ms - before.sql;
          w.claimSql.calls++;
        }
      }
    },
    configurable: true,
    writable: true,
  });
  return () => {
    delete (outbox as unknown as Record<string, unknown>).transaction;
    delete (outbox as unknown as Record<string, unknown>).claim;
  };
}

function watchDrain(r: Rig<SimulatorEndpoints>, w: Watches): () => void {
  const undo = [
    time(r.client, 'readOrders', w.get, true),
    time(r.client, 'writeOrders', w.patch, true),
    timeTransactions(r.outbox, w),
    time(r.outbox, 'takeDue', w.take),
    time(r.outbox, 'nextDueAt', w.query),
    time(r.outbox, 'counts', w.query),
    time(r.outbox, 'pullInFarFuture', w.query),
    time(r.metrics, 'flush', w.flush),
  ];
  return () => undo.forEach((u) => u());
}

async function profiled(n: number, rttMs: number, batchSize: number): Promise<{ wallMs: number; w: Watches; requestsPerUpdate: number }> {
  const w = Object.fromEntries([...STEPS, 'claimSql', 'hidden'].map((k) => [k, { ms: 0, calls: 0 }])) as Watches;
  hidden = w.hidden;
  const run = await drainRun(n, rttMs, batchSize, (r) => watchDrain(r, w));
  return { wallMs: (n / run.rate) * 1000, w, requestsPerUpdate: run.requestsPerUpdate };
}

/** wall time the stopwatches account for: hidden work is inside a request's time already */
const covered = (w: Watches) => STEPS.reduce((sum, k) => sum + w[k].ms, 0) - w.hidden.ms;

/** Single requests, per update: the limit allows 2·RTT; what does each step take? */
export async function profileDrainSingle(rttMs = 20, n = 100): Promise<Figure[]> {
  const { wallMs, w } = await profiled(n, rttMs, 1);
  const per = (s: Stopwatch) => s.ms / n;
  const wall: Baseline = { name: 'wall time per update, same run', value: wallMs / n, unit: 'ms', kind: 'measured' };
  return [
    figure('profile.drainSingle.wall.ms', 'single-request drain: wall time per update', wallMs / n, 'ms', { name: 'limit 2·RTT', value: 2 * rttMs, unit: 'ms', kind: 'limit' }),
    figure('profile.drainSingle.get.ms', 'single-request drain: the GET, send to parsed answer', per(w.get), 'ms', wall),
    figure('profile.drainSingle.patch.ms', 'single-request drain: the PATCH, send to parsed answer', per(w.patch), 'ms', wall),
    figure('profile.drainSingle.httpOverRtt.ms', 'single-request drain: GET + PATCH beyond 2·RTT (HTTP stack, simulator, timers)', per(w.get) + per(w.patch) - 2 * rttMs, 'ms', wall),
    figure('profile.drainSingle.take.ms', 'single-request drain: the take (read the next due, mark it taken; committed without an fsync)', per(w.take), 'ms', wall),
    figure('profile.drainSingle.sql.ms', 'single-request drain: SQL inside the durable transactions (claim, settle)', per(w.sql), 'ms', wall),
    figure('profile.drainSingle.sql.claim.ms', 'single-request drain: of that SQL, the claim (state sending, history row, base)', per(w.claimSql), 'ms', wall),
    figure('profile.drainSingle.sql.settle.ms', 'single-request drain: of that SQL, the settle (outcome, history rows, metrics)', per(w.sql) - per(w.claimSql), 'ms', wall),
    figure('profile.drainSingle.commit.ms', 'single-request drain: BEGIN + durable COMMIT of those transactions', per(w.commit), 'ms', wall),
    figure('profile.drainSingle.commitsPerUpdate', 'single-request drain: durable commits per update', w.commit.calls / n, 'commits', { name: 'one commit per outcome', value: 1, unit: 'commits', kind: 'limit' }),
    figure('profile.drainSingle.hidden.ms', 'single-request drain: of the take and SQL, what ran while a request was on the wire (the last settle, the next take)', per(w.hidden), 'ms', wall),
    figure('profile.drainSingle.query.ms', 'single-request drain: next-due, count and far-future queries', per(w.query), 'ms', wall),
    figure('profile.drainSingle.flush.ms', 'single-request drain: metrics flush', per(w.flush), 'ms', wall),
    figure('profile.drainSingle.loop.ms', 'single-request drain: the loop itself (events, timers, turns)', wallMs / n - covered(w) / n, 'ms', wall),
  ];
}

/** $batch, per group of K: the same steps. */
export async function profileDrainBatch(rttMs = 20, n = 2000, k = 50): Promise<Figure[]> {
  const { wallMs, w, requestsPerUpdate } = await profiled(n, rttMs, k);
  const groups = Math.ceil(n / k);
  const per = (s: Stopwatch) => s.ms / groups;
  const wall: Baseline = { name: `wall time per group of ${k}, same run`, value: wallMs / groups, unit: 'ms', kind: 'measured' };
  const roundTrips = Math.round(requestsPerUpdate * k);
  return [
    figure('profile.drainBatch.wall.msPerGroup', `$batch drain: wall time per group of ${k}`, wallMs / groups, 'ms', { name: `limit ${roundTrips}·RTT`, value: roundTrips * rttMs, unit: 'ms', kind: 'limit' }),
    figure('profile.drainBatch.get.msPerGroup', `$batch drain: a batch of GETs alone, send to parsed answers (only where none rode ahead: the first group)`, per(w.get), 'ms', wall),
    figure('profile.drainBatch.patch.msPerGroup', `$batch drain: the group's ${k} changesets with a later group's GETs riding along, send to parsed answers`, per(w.patch), 'ms', wall),
    figure('profile.drainBatch.httpOverRtt.msPerGroup', '$batch drain: the batches beyond their round trips (build, simulator, parse)', per(w.get) + per(w.patch) - roundTrips * rttMs, 'ms', wall),
    figure('profile.drainBatch.take.msPerGroup', `$batch drain: the take of ${k} (read the next due, mark them taken; committed without an fsync)`, per(w.take), 'ms', wall),
    figure('profile.drainBatch.sql.msPerGroup', '$batch drain: SQL inside the durable transactions (claim, settle of the group)', per(w.sql), 'ms', wall),
    figure('profile.drainBatch.sql.claim.msPerGroup', `$batch drain: of that SQL, the claim of ${k} (state sending, history rows, bases)`, per(w.claimSql), 'ms', wall),
    figure('profile.drainBatch.sql.settle.msPerGroup', `$batch drain: of that SQL, the settle of ${k} (outcomes, history rows, metrics)`, per(w.sql) - per(w.claimSql), 'ms', wall),
    figure('profile.drainBatch.commit.msPerGroup', '$batch drain: BEGIN + durable COMMIT of those transactions', per(w.commit), 'ms', wall),
    ratioFigure('profile.drainBatch.commitsPerGroup', '$batch drain: durable commits per group', w.commit.calls, { name: 'groups', value: groups, unit: 'groups', kind: 'truth' }),
    figure('profile.drainBatch.hidden.msPerGroup', `$batch drain: of the take and SQL, what ran while a $batch was on the wire (the last group's settle, the claim of the group read ahead, the take of the group after)`, per(w.hidden), 'ms', wall),
    figure('profile.drainBatch.query.msPerGroup', '$batch drain: next-due, count and far-future queries', per(w.query), 'ms', wall),
    figure('profile.drainBatch.flush.msPerGroup', '$batch drain: metrics flush', per(w.flush), 'ms', wall),
    figure('profile.drainBatch.loop.msPerGroup', '$batch drain: the loop itself (events, timers, turns)', (wallMs - covered(w)) / groups, 'ms', wall),
  ];
}
