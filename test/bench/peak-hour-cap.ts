/**
 * The peak-hour table against a real OData v4 server we did not write: SAP CAP, started by
 * test/interop/d365-server.ts on 127.0.0.1 shaped like F&O. The same four clients and the same
 * number of updates as against the simulator; each client gets its own range of orders on one
 * server (all seeded alike), so one start serves the whole table.
 *
 * Other users are a second app registration writing through the same OData service (GET, then
 * PATCH with If-Match): before each request a client sends on an order — a $batch counts once
 * per order it names — they write to that order with probability PEAK_RACE, to the very field
 * the clients change with probability PEAK_SAME_FIELD, else to a field nobody queues. The race
 * is driven from the agent's dispatcher, as test/interop/agent-rig.ts does, from one seeded
 * stream per client. Ground truth is CAP's write log, kept by a SQLite trigger.
 */
import type { DrainerOptions } from '../../core/engine/drainer.ts';
import { createRng } from '../../core/simulator/rng.ts';
import { AgentRig } from '../interop/agent-rig.ts';
import { BackgroundWriter, UNRELATED } from '../interop/background-writer.ts';
import { orderNumber } from '../interop/cap/entity.ts';
import { D365Server } from '../interop/d365-server.ts';
import { bearer } from '../interop/raw-http.ts';
import { DELIVERY_MODE } from '../interop/scene.ts';
import { PEAK_RACE, PEAK_SAME_FIELD, peakHourOn, type PeakClient, type PeakRow, type StageFactory } from './peak-hour.ts';

export { SERVER_NAME as CAP_SERVER_NAME } from '../interop/d365-server.ts';

const CLIENTS: readonly PeakClient[] = ['naive', 'seed001', 'seed000', 'ours'];

/** A drain of ours that has not finished by then has stalled: the section fails with the reason. */
const DRAIN_WITHIN_MS = 90_000;

/**
 * The product's own waits (undefined = the drainer's default), with the simulator run's poll:
 * AgentRig's short test waits would flatter ours.
 */
const PRODUCT_WAITS: DrainerOptions = { retry: undefined, gaveUpDelayMs: undefined, probeMinMs: undefined, probeMaxMs: undefined, pollMs: 20 };

export interface CapPeakOptions {
  /** share of the clients' requests other users write before (default PEAK_RACE) */
  race?: number;
  /** share of those writes that hit the field the clients change (default PEAK_SAME_FIELD) */
  sameField?: number;
}

function capStage(server: D365Server, n: number, seed: number, o: Required<CapPeakOptions>): StageFactory {
  return async (id) => {
    const first = CLIENTS.indexOf(id) * n;
    const orders = Array.from({ length: n }, (_, i) => orderNumber(first + i));
    const rng = createRng(seed);
    const others = new BackgroundWriter(server, { seed, orders, fields: UNRELATED });
    const race = async (order: string): Promise<void> => {
      if (rng() >= o.race) return;
      const field = rng() < o.sameField ? DELIVERY_MODE : UNRELATED[Math.floor(rng() * UNRELATED.length)]!;
      await others.write(order, field);
    };
    const rig = new AgentRig(server, {
      drainer: PRODUCT_WAITS,
      beforeSend: async (calls) => {
        for (const c of calls) await race(c.orderNumber);
      },
    });
    let handBuilt = 0;
    let token: string | null = null;
    let seq = 0;
    return {
      orders,
      client: rig.client,
      outbox: rig.outbox,
      drainer: rig.drainer,
      events: rig.events,
      token: async () => (token ??= await bearer(server)),
      beforeHandBuilt: async (order) => {
        handBuilt++;
        await race(order);
      },
      dataRequests: () => rig.sent.filter((r) => r.path.startsWith('/data')).length + handBuilt,
      lastSeq: async () => (seq = (await server.writes(seq)).at(-1)?.seq ?? seq),
      writes: () => server.writes(),
      drain: async () => {
        const run = await rig.drainWithin(DRAIN_WITHIN_MS);
        if (run.stalled) throw new Error(`ours against SAP CAP did not finish: ${run.stalled}`);
      },
      close: async () => {
        await others.stop();
        await rig.close();
      },
    };
  };
}

/** Starts SAP CAP (bounded by D365Server: 30 s to start, SIGKILL 5 s after SIGTERM), runs the table, stops it. */
export async function benchPeakHourCap(n = 200, seed = 2026, o: CapPeakOptions = {}): Promise<PeakRow[]> {
  const server = await D365Server.start({ orders: n * CLIENTS.length, latencyMs: 2 });
  try {
    return await peakHourOn(capStage(server, n, seed, { race: o.race ?? PEAK_RACE, sameField: o.sameField ?? PEAK_SAME_FIELD }));
  } finally {
    await server.stop();
  }
}
