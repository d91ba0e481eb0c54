/**
 * Drain rate against the physical limit of the simulated round trip: one request in flight at a
 * time, so single requests (GET + PATCH per order) cannot beat N / (2 · RTT), and $batch cannot
 * beat K orders per (round trips per group · RTT) of the scheme it uses. Same run: a bare
 * client loop without the outbox, on the same simulator.
 */
import { createDispatcher } from '../../core/d365/client.ts';
import type { DrainerOptions } from '../../core/engine/drainer.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import { buildRig, type Rig, type SimulatorEndpoints } from '../core/engine/harness.ts';
import { figure, median, ratioFigure, seconds, type Figure } from './common.ts';
import { checkUpdate } from '../../core/outbox/update-input.ts';
import { SimulatorProcess } from './simulator-process.ts';

export type DrainRig = Rig;

/** The product's own waits and a fresh dispatcher: what is measured is what ships. */
const shipped = (drainer: DrainerOptions) => ({ drainer: { pollMs: 20, ...drainer }, fast: false, dispatcher: createDispatcher() });

/** The test rig as shipped, with the simulator in this process (its logs and faults at hand). */
export function drainRig(sim: SimulatorOptions, drainer: DrainerOptions = {}): Promise<DrainRig> {
  return buildRig({ sim, ...shipped(drainer) });
}

/** The same with the simulator in a process of its own, as D365 is on a machine of its own: for rates against the round trip. */
async function remoteRig(sim: SimulatorOptions, drainer: DrainerOptions = {}): Promise<Rig<SimulatorProcess>> {
  return buildRig({ simulator: await SimulatorProcess.start(sim), ...shipped(drainer) });
}

export function orderNo(i: number): string {
  return `SO-${String(i).padStart(6, '0')}`;
}

export function queueOrders(r: Rig<SimulatorEndpoints>, n: number, from = 1): void {
  r.outbox.transaction(() => {
    for (let i = from; i < from + n; i++) r.outbox.enqueue(checkUpdate({ company: 'USMF', orderNumber: orderNo(i), fields: { DeliveryModeCode: `R${i % 9}` }, source: 'cli', queuedBy: 'bench' }));
  });
}

/**
 * Orders beyond the measured ones, sent before the clock starts: D365 is a server that has been
 * running, and each run's simulator is a fresh process whose code V8 has not compiled yet (cold,
 * a run of 100 $batch round trips took about 0.7 ms more per round trip). The agent's side is
 * warm after the first run either way.
 */
const warmUp = (batchSize: number) => (batchSize > 1 ? 1000 : 50);

export interface DrainRun {
  rate: number;
  /** requests to the data service per update, in the timed part */
  requestsPerUpdate: number;
}

/** Drains n queued updates with the product's drainer; `around` may wrap the timed part. */
export async function drainRun(n: number, rttMs: number, batchSize: number, around?: (r: Rig<SimulatorProcess>) => () => void): Promise<DrainRun> {
  const w = warmUp(batchSize);
  const r = await remoteRig({ orders: n + w, latencyMs: rttMs }, { batchSize });
  try {
    // Warm the token, the connection and the server so the figure is the steady state.
    queueOrders(r, w, n + 1);
    if ((await r.drainer.drainUntilIdle()).done !== w) throw new Error('drain rate: the warm-up did not drain');
    queueOrders(r, n);
    const before = await r.sim.dataRequests();
    const finish = around?.(r);
    const t = process.hrtime.bigint();
    const summary = await r.drainer.drainUntilIdle();
    const s = seconds(t);
    finish?.();
    if (summary.done !== n) throw new Error(`drain rate: ${summary.done} of ${n} done`);
    return { rate: n / s, requestsPerUpdate: ((await r.sim.dataRequests()) - before) / n };
  } finally {
    await r.close();
  }
}

/** A bare loop's rate over orders 1..n, timed after it ran over the w warm-up orders after them. */
async function warmThenRate(loop: (from: number, count: number) => Promise<void>, n: number, w: number): Promise<number> {
  await loop(n + 1, w);
  const t = process.hrtime.bigint();
  await loop(1, n);
  return n / seconds(t);
}

/** A bare GET + PATCH loop with no outbox: what the HTTP stack and simulator achieve here. */
async function rawRate(n: number, rttMs: number): Promise<number> {
  const w = warmUp(1);
  const r = await remoteRig({ orders: n + w, latencyMs: rttMs });
  try {
    const loop = async (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        const s = await r.client.getOrder({ company: 'USMF', orderNumber: orderNo(i) }, ['DeliveryModeCode']);
        await r.client.patchOrder(s, { DeliveryModeCode: `R${i % 9}` }, 'raw');
      }
    };
    return await warmThenRate(loop, n, w);
  } finally {
    await r.close();
  }
}

/**
 * A bare $batch loop with no outbox, in the read-ahead scheme: each $batch carries one group's
 * PATCHes and the next group's GETs. What the HTTP stack and simulator achieve at K per round trip.
 */
async function rawBatchRate(n: number, rttMs: number, k: number): Promise<number> {
  const w = warmUp(k);
  const r = await remoteRig({ orders: n + w, latencyMs: rttMs });
  try {
    const fields = (keys: readonly unknown[]) => keys.map(() => ['DeliveryModeCode']);
    const loop = async (from: number, count: number) => {
      const group = (g: number) => Array.from({ length: Math.max(0, Math.min(k, count - g * k)) }, (_, i) => ({ company: 'USMF', orderNumber: orderNo(from + g * k + i) }));
      const first = group(0);
      let snapshots = await r.client.readOrders(first, fields(first));
      for (let g = 0; snapshots.length > 0; g++) {
        const next = group(g + 1);
        const answer = await r.client.writeOrders(
          snapshots.map((s, i) => {
            if (!('etag' in s)) throw new Error(`bare $batch: ${s.message}`);
            return { snapshot: s, fields: { DeliveryModeCode: `R${(from + g * k + i) % 9}` }, what: 'raw' };
          }),
          next.length > 0 ? { keys: next, fields: fields(next) } : undefined,
        );
        for (const written of answer.written) if (!('etag' in written)) throw new Error(`bare $batch: ${written.message}`);
        snapshots = answer.read;
      }
    };
    return await warmThenRate(loop, n, w);
  } finally {
    await r.close();
  }
}

/**
 * Which $batch scheme the drainer uses, from what it sent: two round trips per group (a batch
 * of GETs, then one of changesets) or one (a later group's GETs ride with this group's
 * changesets). The limit is that scheme's: K / (round trips per group · RTT).
 */
export function batchScheme(requestsPerUpdate: number, k: number): { roundTripsPerGroup: number; name: string } {
  const roundTripsPerGroup = Math.max(1, Math.round(requestsPerUpdate * k));
  const name =
    roundTripsPerGroup === 1
      ? 'read-ahead: a later group’s GETs ride with this group’s changesets, 1 round trip per group'
      : `${roundTripsPerGroup} round trips per group (GETs, then changesets)`;
  return { roundTripsPerGroup, name };
}

/** Runs each measurement `repeats` times, interleaved, and keeps the median run of each. */
export async function benchDrain(rttMs = 20, nSingle = 200, nBatch = 5000, k = 50, repeats = 3): Promise<Figure[]> {
  const singleLimit = 1000 / (2 * rttMs);
  const raws: number[] = [];
  const rawBatches: number[] = [];
  const singles: DrainRun[] = [];
  const batches: DrainRun[] = [];
  for (let i = 0; i < repeats; i++) {
    raws.push(await rawRate(nSingle, rttMs));
    singles.push(await drainRun(nSingle, rttMs, 1));
    rawBatches.push(await rawBatchRate(nBatch, rttMs, k));
    batches.push(await drainRun(nBatch, rttMs, k));
  }
  const byRate = (runs: DrainRun[]) => [...runs].sort((a, b) => a.rate - b.rate)[Math.floor(runs.length / 2)]!;
  const raw = median(raws);
  const single = byRate(singles);
  const batched = byRate(batches);
  const scheme = batchScheme(batched.requestsPerUpdate, k);
  const batchLimit = (k * 1000) / (scheme.roundTripsPerGroup * rttMs);
  const limitSingle = { name: `physical limit N/(2·RTT), serial GET+PATCH at RTT ${rttMs} ms`, value: singleLimit, unit: 'updates/s', kind: 'limit' } as const;
  const limitBatch = { name: `limit of the scheme used: K/(${scheme.roundTripsPerGroup}·RTT), K=${k}, RTT ${rttMs} ms — ${scheme.name}`, value: batchLimit, unit: 'updates/s', kind: 'limit' } as const;
  const bare = { name: 'bare GET+PATCH client loop without outbox, same simulator', value: raw, unit: 'updates/s', kind: 'measured' } as const;
  const bareBatch = { name: `bare $batch loop without outbox, read-ahead scheme, K=${k}, same simulator`, value: median(rawBatches), unit: 'updates/s', kind: 'measured' } as const;
  return [
    ratioFigure('drain.single.ratioToLimit', `drain rate, single requests, ${nSingle} updates, to its limit (median of ${repeats} runs)`, single.rate, limitSingle, '≥ 0.9'),
    figure('drain.single.rate', `drain rate, single requests (${nSingle} updates, RTT ${rttMs} ms)`, single.rate, 'updates/s', limitSingle, '≥ 0.9 of the limit'),
    ratioFigure('drain.single.ratioToBare', 'drain rate, single requests, to a bare client loop', single.rate, bare, '≈ 1'),
    ratioFigure('drain.batch.ratioToLimit', `drain rate, $batch K=${k}, ${nBatch.toLocaleString('en-US')} updates, to its scheme's limit (median of ${repeats} runs)`, batched.rate, limitBatch, '≥ 0.8'),
    figure('drain.batch.rate', `drain rate, $batch K=${k} (${nBatch.toLocaleString('en-US')} updates, RTT ${rttMs} ms)`, batched.rate, 'updates/s', limitBatch, '≥ 0.8 of the limit'),
    ratioFigure('drain.batch.ratioToBare', `drain rate, $batch K=${k}, to a bare $batch loop (what the simulator and HTTP stack allow)`, batched.rate, bareBatch, '≈ 1'),
    ratioFigure('drain.batch.bareToLimit', `the bare $batch loop to the scheme's limit: the simulator's own work per round trip`, bareBatch.value, limitBatch, '—'),
    figure('drain.batch.requestsPerUpdate', `data requests per update, $batch K=${k}`, batched.requestsPerUpdate, 'requests', { name: 'single requests: GET + PATCH', value: 2, unit: 'requests', kind: 'limit' }),
    ratioFigure('drain.batch.ratioToSingle', `$batch K=${k} rate to the single-request rate`, batched.rate, { name: 'our single-request rate, same run', value: single.rate, unit: 'updates/s', kind: 'measured' }, '≥ 10'),
  ];
}
