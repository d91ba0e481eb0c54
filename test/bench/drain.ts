/**
 * Drain rate against the physical limit of the simulated latency: serial GET + PATCH cannot
 * beat N / (2 · RTT). Measured with single requests and with $batch, same run.
 */
import { createDispatcher } from '../../core/d365/client.ts';
import type { DrainerOptions } from '../../core/engine/drainer.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import { buildRig, type Rig } from '../core/engine/harness.ts';
import { seconds, type Figure } from './common.ts';
import { checkUpdate } from '../../core/outbox/update-input.ts';

export type DrainRig = Rig;

/** The test rig with the product's own waits: what is measured is what ships. */
export function drainRig(_name: string, sim: SimulatorOptions, drainer: DrainerOptions = {}): Promise<DrainRig> {
  return buildRig({ sim, drainer: { pollMs: 20, ...drainer }, fast: false, dispatcher: createDispatcher() });
}

export function orderNo(i: number): string {
  return `SO-${String(i).padStart(6, '0')}`;
}

async function drainRate(n: number, rttMs: number, batchSize: number): Promise<number> {
  const r = await drainRig(`rate-${batchSize}`, { orders: n, latencyMs: rttMs }, { batchSize });
  try {
    r.outbox.transaction(() => {
      for (let i = 1; i <= n; i++) r.outbox.enqueue(checkUpdate({ company: 'USMF', orderNumber: orderNo(i), fields: { DeliveryModeCode: `R${i % 9}` }, source: 'cli', queuedBy: 'bench' }));
    });
    // Warm the token and the connection so the figure is the steady state.
    await r.client.getOrder({ company: 'USMF', orderNumber: orderNo(1) }, ['DeliveryModeCode']);
    const t = process.hrtime.bigint();
    const summary = await r.drainer.drainUntilIdle();
    const s = seconds(t);
    if (summary.done !== n) throw new Error(`drain rate: ${summary.done} of ${n} done`);
    return n / s;
  } finally {
    await r.close();
  }
}

/** A bare GET + PATCH loop with no outbox: what the HTTP stack itself achieves here. */
async function rawRate(n: number, rttMs: number): Promise<number> {
  const r = await drainRig('raw', { orders: n, latencyMs: rttMs });
  try {
    await r.client.getOrder({ company: 'USMF', orderNumber: orderNo(1) }, ['DeliveryModeCode']);
    const t = process.hrtime.bigint();
    for (let i = 1; i <= n; i++) {
      const s = await r.client.getOrder({ company: 'USMF', orderNumber: orderNo(i) }, ['DeliveryModeCode']);
      await r.client.patchOrder(s, { DeliveryModeCode: `R${i % 9}` }, 'raw');
    }
    return n / seconds(t);
  } finally {
    await r.close();
  }
}

export async function benchDrain(rttMs = 20, nSingle = 200, nBatch = 2000, k = 50): Promise<Figure[]> {
  const limit = 1000 / (2 * rttMs);
  const raw = await rawRate(nSingle, rttMs);
  const single = await drainRate(nSingle, rttMs, 1);
  const batched = await drainRate(nBatch, rttMs, k);
  return [
    {
      name: `drain rate vs a bare GET+PATCH loop without outbox (${nSingle} updates)`,
      value: single,
      unit: 'updates/s',
      baseline: { name: 'bare client loop on the same simulator', value: raw },
      ratio: single / raw,
      aim: '≈ 1 (the outbox costs nothing visible)',
    },
    {
      name: `drain rate, single requests (${nSingle} updates, RTT ${rttMs} ms)`,
      value: single,
      unit: 'updates/s',
      baseline: { name: 'physical limit N/(2·RTT) for serial GET+PATCH', value: limit },
      ratio: single / limit,
      aim: '≥ 0.9',
    },
    {
      name: `drain rate, $batch K=${k} (${nBatch} updates, RTT ${rttMs} ms)`,
      value: batched,
      unit: 'updates/s',
      baseline: { name: 'our single-request rate, same run', value: single },
      ratio: batched / single,
      aim: '≥ 10',
    },
  ];
}
