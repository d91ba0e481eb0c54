/**
 * Drain rate against the physical limit of the simulated latency: serial GET + PATCH cannot
 * beat N / (2 · RTT). Measured with single requests and with $batch, same run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createDispatcher, D365Client } from '../../core/d365/client.ts';
import { PROFILES } from '../../core/d365/profile.ts';
import { EntraTokenSource } from '../../core/d365/token.ts';
import { Drainer, type DrainerOptions } from '../../core/engine/drainer.ts';
import { EventBus } from '../../core/events.ts';
import { Metrics } from '../../core/metrics.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import { seconds, tempDir, type Figure } from './common.ts';

export interface DrainRig {
  outbox: Outbox;
  sim: Simulator;
  client: D365Client;
  drainer: Drainer;
  events: EventBus;
  close(): Promise<void>;
}

export async function drainRig(name: string, sim: SimulatorOptions, drain: DrainerOptions = {}): Promise<DrainRig> {
  const dir = tempDir(name);
  const outbox = Outbox.open(path.join(dir, 'outbox.sqlite'));
  const simulator = await Simulator.start(sim);
  const dispatcher = createDispatcher();
  const tokens = new EntraTokenSource(
    { authorityUrl: simulator.authorityUrl, tenant: 'sim-tenant', clientId: 'outbox-agent', scope: `${simulator.url}/.default` },
    async () => 'sim-secret',
    dispatcher,
  );
  const client = new D365Client({ serviceRoot: simulator.foDataUrl, profile: PROFILES.fo, tokens, dispatcher });
  const events = new EventBus();
  const drainer = new Drainer(outbox, client, events, new Metrics(outbox.db), { pollMs: 20, ...drain });
  return {
    outbox,
    sim: simulator,
    client,
    drainer,
    events,
    async close() {
      await drainer.stop();
      await simulator.stop();
      await dispatcher.close();
      outbox.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function orderNo(i: number): string {
  return `SO-${String(i).padStart(6, '0')}`;
}

async function drainRate(n: number, rttMs: number, batchSize: number): Promise<number> {
  const r = await drainRig(`rate-${batchSize}`, { orders: n, latencyMs: rttMs }, { batchSize });
  try {
    r.outbox.transaction(() => {
      for (let i = 1; i <= n; i++) r.outbox.enqueue({ company: 'USMF', orderNumber: orderNo(i), fields: { DeliveryModeCode: `R${i % 9}` }, source: 'cli', queuedBy: 'bench' });
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
