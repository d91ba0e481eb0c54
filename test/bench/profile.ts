/**
 * Where the time of a drain goes: the product's drainer runs as it ships, with stopwatches put
 * around the outbox and client calls it makes (on those instances only, from outside). What no
 * stopwatch covers is the loop itself: events, timers, waiting for the next turn.
 */
import type { Outbox } from '../../core/outbox/outbox.ts';
import { drainRun, type DrainRig } from './drain.ts';
import { figure, ratioFigure, type Baseline, type Figure } from './common.ts';

interface Stopwatch {
  ms: number;
  calls: number;
}

type Watches = Record<'get' | 'patch' | 'sql' | 'commit' | 'query' | 'flush', Stopwatch>;

/** Replaces obj[method] on this instance with a timed call into the original. */
function time<T extends object>(obj: T, method: keyof T & string, watch: Stopwatch): () => void {
  const original = obj[method] as unknown as (...args: unknown[]) => unknown;
  const timed = function (this: unknown, ...args: unknown[]): unknown {
    const t = performance.now();
    const stop = () => {
      watch.ms += performance.now() - t;
      watch.calls++;
    };
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (e) {
      stop();
      throw e;
    }
    if (result instanceof Promise) return result.finally(stop);
    stop();
    return result;
  };
  Object.defineProperty(obj, method, { value: timed, configurable: true, writable: true });
  return () => {
    delete (obj as Record<string, unknown>)[method];
  };
}

/**
 * Every state change is one outbox transaction (nested ones inside it): the time in the
 * function is the SQL work, the rest of the outermost call is BEGIN and the durable COMMIT.
 */
function timeTransactions(outbox: Outbox, sql: Stopwatch, commit: Stopwatch): () => void {
  const original = outbox.transaction;
  let depth = 0;
  const timed = function <T>(this: Outbox, fn: () => T): T {
    if (depth > 0) return original.call(this, fn) as T;
    depth++;
    const started = performance.now();
    let inside = 0;
    try {
      return original.call(this, () => {
        const t = performance.now();
        try {
          return fn();
        } finally {
          inside += performance.now() - t;
        }
      }) as T;
    } finally {
      depth--;
      sql.ms += inside;
      sql.calls++;
      commit.ms += performance.now() - started - inside;
      commit.calls++;
    }
  };
  Object.defineProperty(outbox, 'transaction', { value: timed, configurable: true, writable: true });
  return () => {
    delete (outbox as unknown as Record<string, unknown>).transaction;
  };
}

function watchDrain(r: DrainRig, w: Watches): () => void {
  const undo = [
    time(r.client, 'readOrders', w.get),
    time(r.client, 'writeOrders', w.patch),
    timeTransactions(r.outbox, w.sql, w.commit),
    time(r.outbox, 'takeDue', w.query),
    time(r.outbox, 'nextDueAt', w.query),
    time(r.outbox, 'counts', w.query),
    time(r.metrics, 'flush', w.flush),
  ];
  return () => undo.forEach((u) => u());
}

async function profiled(n: number, rttMs: number, batchSize: number): Promise<{ wallMs: number; w: Watches; requestsPerUpdate: number }> {
  const w = Object.fromEntries(['get', 'patch', 'sql', 'commit', 'query', 'flush'].map((k) => [k, { ms: 0, calls: 0 }])) as Watches;
  const run = await drainRun(n, rttMs, batchSize, (r) => watchDrain(r, w));
  return { wallMs: (n / run.rate) * 1000, w, requestsPerUpdate: run.requestsPerUpdate };
}

/** Single requests, per update: the limit allows 2·RTT; what does each step take? */
export async function profileDrainSingle(rttMs = 20, n = 100): Promise<Figure[]> {
  const { wallMs, w } = await profiled(n, rttMs, 1);
  const per = (s: Stopwatch) => s.ms / n;
  const wall: Baseline = { name: 'wall time per update, same run', value: wallMs / n, unit: 'ms', kind: 'measured' };
  const covered = per(w.get) + per(w.patch) + per(w.sql) + per(w.commit) + per(w.query) + per(w.flush);
  return [
    figure('profile.drainSingle.wall.ms', 'single-request drain: wall time per update', wallMs / n, 'ms', { name: 'limit 2·RTT', value: 2 * rttMs, unit: 'ms', kind: 'limit' }),
    figure('profile.drainSingle.get.ms', 'single-request drain: the GET, send to parsed answer', per(w.get), 'ms', wall),
    figure('profile.drainSingle.patch.ms', 'single-request drain: the PATCH, send to parsed answer', per(w.patch), 'ms', wall),
    figure('profile.drainSingle.httpOverRtt.ms', 'single-request drain: GET + PATCH beyond 2·RTT (HTTP stack, simulator, timers)', per(w.get) + per(w.patch) - 2 * rttMs, 'ms', wall),
    figure('profile.drainSingle.sql.ms', 'single-request drain: SQL inside the outbox transactions (claim, settle)', per(w.sql), 'ms', wall),
    figure('profile.drainSingle.commit.ms', 'single-request drain: BEGIN + durable COMMIT of those transactions', per(w.commit), 'ms', wall),
    figure('profile.drainSingle.commitsPerUpdate', 'single-request drain: durable commits per update', w.commit.calls / n, 'commits', { name: 'one commit per outcome', value: 1, unit: 'commits', kind: 'limit' }),
    figure('profile.drainSingle.query.ms', 'single-request drain: next-due and count queries', per(w.query), 'ms', wall),
    figure('profile.drainSingle.flush.ms', 'single-request drain: metrics flush', per(w.flush), 'ms', wall),
    figure('profile.drainSingle.loop.ms', 'single-request drain: the loop itself (events, timers, turns)', wallMs / n - covered, 'ms', wall),
  ];
}

/** $batch, per group of K: the same steps. */
export async function profileDrainBatch(rttMs = 20, n = 2000, k = 50): Promise<Figure[]> {
  const { wallMs, w, requestsPerUpdate } = await profiled(n, rttMs, k);
  const groups = Math.ceil(n / k);
  const per = (s: Stopwatch) => s.ms / groups;
  const wall: Baseline = { name: `wall time per group of ${k}, same run`, value: wallMs / groups, unit: 'ms', kind: 'measured' };
  const covered = per(w.get) + per(w.patch) + per(w.sql) + per(w.commit) + per(w.query) + per(w.flush);
  const roundTrips = requestsPerUpdate * k;
  return [
    figure('profile.drainBatch.wall.msPerGroup', `$batch drain: wall time per group of ${k}`, wallMs / groups, 'ms', { name: `limit ${Math.round(roundTrips)}·RTT`, value: Math.round(roundTrips) * rttMs, unit: 'ms', kind: 'limit' }),
    figure('profile.drainBatch.get.msPerGroup', `$batch drain: the batch of ${k} GETs, send to parsed answers`, per(w.get), 'ms', wall),
    figure('profile.drainBatch.patch.msPerGroup', `$batch drain: the batch of ${k} changesets, send to parsed answers`, per(w.patch), 'ms', wall),
    figure('profile.drainBatch.httpOverRtt.msPerGroup', '$batch drain: both batches beyond their round trips (build, simulator, parse)', per(w.get) + per(w.patch) - Math.round(roundTrips) * rttMs, 'ms', wall),
    figure('profile.drainBatch.sql.msPerGroup', '$batch drain: SQL inside the outbox transactions (claim, settle of the group)', per(w.sql), 'ms', wall),
    figure('profile.drainBatch.commit.msPerGroup', '$batch drain: BEGIN + durable COMMIT of those transactions', per(w.commit), 'ms', wall),
    ratioFigure('profile.drainBatch.commitsPerGroup', '$batch drain: durable commits per group', w.commit.calls, { name: 'groups', value: groups, unit: 'groups', kind: 'truth' }),
    figure('profile.drainBatch.query.msPerGroup', '$batch drain: next-due and count queries', per(w.query), 'ms', wall),
    figure('profile.drainBatch.flush.msPerGroup', '$batch drain: metrics flush', per(w.flush), 'ms', wall),
    figure('profile.drainBatch.loop.msPerGroup', '$batch drain: the loop itself (events, timers, turns)', wallMs / groups - covered, 'ms', wall),
  ];
}
