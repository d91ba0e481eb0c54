/**
 * Differential: one seeded scenario, run by the agent against our simulator and against SAP
 * CAP, must end with the same outcome for every update. Where they differ, the simulator is
 * not modelling a real server (or the agent relies on something only the simulator does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldConflict } from '../../core/outbox/outbox.ts';
import type { Fields } from '../../core/outbox/types.ts';
import { createRng } from '../../core/simulator/rng.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { AgentRig, type Target } from './agent-rig.ts';
import { orderNumber } from './cap/entity.ts';
import { D365Server, WRITER_CLIENT } from './d365-server.ts';
import { bearer, http, orderPath } from './raw-http.ts';

const SEED = 51;
const ORDERS = 40;

/** What can happen to one order's update, all decided before the drain or by the agent's own requests. */
const KINDS = ['plain', 'already', 'conflict-before', 'unrelated-before', 'refused', 'unknown', 'race-unrelated', 'race-same', 'merged', 'baseless'] as const;
type Kind = (typeof KINDS)[number];

interface Step {
  kind: Kind;
  order: string;
}

function scenario(seed: number): Step[] {
  const rng = createRng(seed);
  return Array.from({ length: ORDERS }, (_, i) => ({ kind: KINDS[i < KINDS.length ? i : Math.floor(rng() * KINDS.length)]!, order: orderNumber(i) }));
}

interface Outcome {
  order: string;
  kind: Kind;
  state: string;
  error: string | null;
  conflicts: FieldConflict[];
  /** the changed fields as the server holds them afterwards */
  holds: Fields;
}

interface Side {
  target: Target;
  /** the account other users write with */
  other: { clientId: string; secret: string };
  serviceRoot: string;
}

/** Another user's write, by plain HTTP: GET the ETag, PATCH with If-Match. */
async function otherUser(side: Side, order: string, fields: Fields): Promise<void> {
  const token = await bearer(side.target, side.other);
  const url = `${side.serviceRoot}/${orderPath(order)}`;
  const got = await http('GET', url, { authorization: `Bearer ${token}`, accept: 'application/json' });
  const r = await http('PATCH', url, { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': String(got.json()['@odata.etag']) }, JSON.stringify(fields));
  if (r.status >= 300) throw new Error(`other user's write to ${order}: ${r.status} ${r.text}`);
}

async function read(side: Side, order: string, fields: string[]): Promise<Fields> {
  const token = await bearer(side.target, side.other);
  const got = await http('GET', `${side.serviceRoot}/${orderPath(order)}`, { authorization: `Bearer ${token}`, accept: 'application/json' });
  if (got.status !== 200) return {};
  const row = got.json();
  return Object.fromEntries(fields.map((f) => [f, (row[f] ?? null) as Fields[string]]));
}

async function run(side: Side, steps: Step[]): Promise<Outcome[]> {
  const raced = new Set<string>();
  const byOrder = new Map(steps.map((s) => [s.order, s]));
  const rig = new AgentRig(side.target, {
    drainer: { batchSize: 1 },
    beforeSend: async (calls) => {
      for (const c of calls) {
        const step = byOrder.get(c.orderNumber);
        if (c.method !== 'PATCH' || !step || raced.has(c.orderNumber)) continue;
        raced.add(c.orderNumber);
        if (step.kind === 'race-unrelated') await otherUser(side, c.orderNumber, { SalesOrderName: `Renamed ${c.orderNumber}` });
        if (step.kind === 'race-same') await otherUser(side, c.orderNumber, { DeliveryModeCode: '40' });
      }
    },
  });
  try {
    const ids: number[] = [];
    for (const { kind, order } of steps) {
      const base = { DeliveryModeCode: '10' };
      if (kind === 'conflict-before') await otherUser(side, order, { DeliveryModeCode: '50' });
      if (kind === 'unrelated-before') await otherUser(side, order, { SalesOrderName: `Renamed ${order}` });
      if (kind === 'baseless') await otherUser(side, order, { DeliveryModeCode: '30' });
      if (kind === 'already') ids.push(rig.enqueue(order, { DeliveryModeCode: '10' }, base));
      else if (kind === 'refused') ids.push(rig.enqueue(order, { SalesOrderStatus: 'Shipped' }, { SalesOrderStatus: 'Backorder' }));
      else if (kind === 'unknown') ids.push(rig.enqueue(`SO-99${order.slice(-4)}`, { DeliveryModeCode: '20' }, base));
      else if (kind === 'baseless') ids.push(rig.enqueue(order, { DeliveryModeCode: '20' }));
      else if (kind === 'merged') {
        rig.enqueue(order, { DeliveryModeCode: '20' }, base);
        ids.push(rig.enqueue(order, { CustomerRequisitionNumber: `REQ-${order.slice(-3)}` }, { CustomerRequisitionNumber: '' }));
      } else ids.push(rig.enqueue(order, { DeliveryModeCode: '20' }, base));
    }
    const { stalled } = await rig.drainWithin(30_000);
    if (stalled) throw new Error(stalled);
    const out: Outcome[] = [];
    for (const [i, id] of ids.entries()) {
      const u = rig.outbox.get(id)!;
      const conflict = rig.outbox.history(id).find((e) => e.kind === 'conflict')?.detail as { fields?: FieldConflict[] } | undefined;
      out.push({
        order: u.orderNumber,
        kind: steps[i]!.kind,
        state: u.state,
        error: u.state === 'failed' ? (u.lastError?.code ?? null) : null,
        conflicts: conflict?.fields ?? [],
        holds: await read(side, u.orderNumber, Object.keys(u.fields)),
      });
    }
    return out;
  } finally {
    await rig.close();
  }
}

let cap: D365Server;
let sim: Simulator;

beforeAll(async () => {
  [cap, sim] = await Promise.all([D365Server.start({ orders: ORDERS }), Simulator.start({ orders: ORDERS, seed: SEED })]);
});
afterAll(async () => {
  await Promise.all([cap?.stop(), sim?.stop()]);
});

describe('differential: the simulator and SAP CAP', () => {
  it('end one seeded scenario with the same outcome for every update', async () => {
    const steps = scenario(SEED);
    const simSide: Side = {
      target: { url: sim.url, authorityUrl: sim.authorityUrl, tenant: 'sim-tenant', client: { clientId: 'outbox-agent', secret: 'sim-secret' } },
      other: { clientId: 'outbox-agent', secret: 'sim-secret' },
      serviceRoot: sim.foDataUrl,
    };
    const capSide: Side = { target: cap, other: WRITER_CLIENT, serviceRoot: cap.serviceRoot };
    const [onSim, onCap] = [await run(simSide, steps), await run(capSide, steps)];
    expect(onCap).toEqual(onSim);
    // the scenario covers every outcome it names
    expect(new Set(onCap.map((o) => o.state))).toEqual(new Set(['done', 'conflict', 'failed']));
    expect(onCap.find((o) => o.kind === 'race-same')).toMatchObject({ state: 'conflict', conflicts: [{ field: 'DeliveryModeCode', base: '10', ours: '20', theirs: '40' }] });
  }, 90_000);
});
