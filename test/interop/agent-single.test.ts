/**
 * The agent against SAP CAP, one request at a time (batchSize 1): its own client, token source,
 * drainer and a real outbox file, with only the environment URL and authority changed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentRig, type OrderCall } from './agent-rig.ts';
import { BackgroundWriter, UNRELATED, type WriterField } from './background-writer.ts';
import { DELIVERY_MODES, orderNumber } from './cap/entity.ts';
import { D365Server, type ServerWrite } from './d365-server.ts';
import { checkHistory } from './history.ts';

let server: D365Server;
const rigs: AgentRig[] = [];
const writers: BackgroundWriter[] = [];

beforeAll(async () => {
  server = await D365Server.start({ orders: 500 });
});
afterEach(async () => {
  for (const w of writers.splice(0)) await w.stop();
  for (const r of rigs.splice(0)) await r.close();
});
afterAll(async () => {
  await server?.stop();
});

function rig(beforeSend?: (calls: OrderCall[]) => Promise<void>): AgentRig {
  const r = new AgentRig(server, { drainer: { batchSize: 1 }, beforeSend });
  rigs.push(r);
  return r;
}

function writer(o: ConstructorParameters<typeof BackgroundWriter>[1]): BackgroundWriter {
  const w = new BackgroundWriter(server, o);
  writers.push(w);
  return w;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => orderNumber(from + i));
const writesTo = (log: ServerWrite[], order: string) => log.filter((w) => w.orderNumber === order);

/** The field the agent changes in the contested runs; other users pick any value but ours. */
const DELIVERY_MODE: WriterField = { name: 'DeliveryModeCode', next: (rng) => DELIVERY_MODES.filter((m) => m !== '10' && m !== '20')[Math.floor(rng() * 3)]! };

describe('the agent against SAP CAP, single requests', () => {
  it('signs in, GETs by key predicate, PATCHes with If-Match (Edm.Date as a date) and records the ETags the server logged', async () => {
    const r = rig();
    const id = r.enqueue('SO-000001', { DeliveryModeCode: '20', RequestedShippingDate: '2027-02-03' }, { DeliveryModeCode: '10' });
    const summary = await r.drainer.drainUntilIdle();
    expect(summary).toMatchObject({ done: 1, conflict: 0, failed: 0, stoppedBecause: null });

    const log = writesTo(await server.writes(), 'SO-000001');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ by: 'client', fields: { DeliveryModeCode: '20', RequestedShippingDate: '2027-02-03' } });
    const done = r.outbox.history(id).find((e) => e.kind === 'done')!.detail!;
    expect(done).toMatchObject({ etagBefore: log[0]!.etagBefore, etagAfter: log[0]!.etagAfter, sent: { DeliveryModeCode: '20', RequestedShippingDate: '2027-02-03' } });
    expect((await server.orders()).get('USMF/SO-000001')).toMatchObject({ DeliveryModeCode: '20', RequestedShippingDate: '2027-02-03' });
  });

  it('an update D365 already holds is done without a PATCH', async () => {
    const r = rig();
    const id = r.enqueue('SO-000002', { DeliveryModeCode: '10' });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 1 });
    expect(r.outbox.history(id).find((e) => e.kind === 'done')!.detail).toMatchObject({ alreadyApplied: true });
    expect(writesTo(await server.writes(), 'SO-000002')).toEqual([]);
  });

  it('a 412 from a write to another field between its GET and PATCH is retried and lands on top of it', async () => {
    const other = writer({ seed: 1, orders: ['SO-000011'], fields: UNRELATED });
    let raced = false;
    const r = rig(async (calls) => {
      if (!raced && calls.some((c) => c.method === 'PATCH' && c.orderNumber === 'SO-000011')) {
        raced = true;
        await other.write('SO-000011', UNRELATED[0]);
      }
    });
    const id = r.enqueue('SO-000011', { DeliveryModeCode: '20' }, { DeliveryModeCode: '10' });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 1, conflict: 0 });
    expect(r.outbox.history(id).some((e) => e.kind === 'retrying' && /412/.test(String(e.detail?.reason)))).toBe(true);

    const log = writesTo(await server.writes(), 'SO-000011');
    expect(log.map((w) => [w.by, Object.keys(w.fields)])).toEqual([
      ['writer', ['SalesOrderName']],
      ['client', ['DeliveryModeCode']],
    ]);
    expect(log[1]!.etagBefore).toBe(log[0]!.etagAfter);
    expect((await server.orders()).get('USMF/SO-000011')).toMatchObject({ DeliveryModeCode: '20', SalesOrderName: 'Renamed by the warehouse 1' });
  });

  it('a write to the same field between GET and PATCH becomes a true conflict after the 412, and is not overwritten', async () => {
    const other = writer({ seed: 2, orders: ['SO-000012'], fields: [DELIVERY_MODE] });
    let raced = false;
    const r = rig(async (calls) => {
      if (!raced && calls.some((c) => c.method === 'PATCH' && c.orderNumber === 'SO-000012')) {
        raced = true;
        await other.write('SO-000012');
      }
    });
    const id = r.enqueue('SO-000012', { DeliveryModeCode: '20' }, { DeliveryModeCode: '10' });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 0, conflict: 1 });
    const log = writesTo(await server.writes(), 'SO-000012');
    expect(log.map((w) => w.by)).toEqual(['writer']);
    const theirs = log[0]!.fields.DeliveryModeCode;
    const conflict = r.outbox.history(id).find((e) => e.kind === 'conflict')!.detail as { fields: unknown[] };
    expect(conflict.fields).toEqual([{ field: 'DeliveryModeCode', base: '10', ours: '20', theirs }]);
    expect((await server.orders()).get('USMF/SO-000012')!.DeliveryModeCode).toBe(theirs);
  });

  it('200 updates drained while other users write unrelated fields: every one done, 0 false conflicts, each in the write log', async () => {
    const orders = range(100, 200);
    const others = writer({ seed: 12, orders, fields: UNRELATED, perSecond: 40, race: 0.25 });
    const r = rig((calls) => Promise.all(calls.map((c) => others.race(c.orderNumber))).then(() => undefined));
    orders.forEach((o, i) => r.enqueue(o, { DeliveryModeCode: '20', CustomerRequisitionNumber: `REQ-${i}` }, { DeliveryModeCode: '10', CustomerRequisitionNumber: '' }));
    others.start();
    const summary = await r.drainer.drainUntilIdle();
    await others.stop();

    expect(summary).toMatchObject({ done: 200, conflict: 0, failed: 0 });
    const log = (await server.writes()).filter((w) => orders.includes(w.orderNumber));
    const report = checkHistory({ outbox: r.outbox, acknowledged: r.acknowledged, writes: log, rows: await server.orders(), othersWrite: new Set(UNRELATED.map((f) => f.name)) });
    expect(report.violations).toEqual([]);
    expect(report.states).toEqual({ done: 200 });
    // the run was contested: other users' writes landed, and some of them between our GET and PATCH
    expect(others.applied).toBeGreaterThanOrEqual(50);
    expect(r.seen.filter((e) => e.type === 'retrying').length).toBeGreaterThan(0);
    expect(log.filter((w) => w.by === 'client')).toHaveLength(200);
  });

  it('200 updates drained while other users change the same field: every true conflict surfaced, nothing overwritten', async () => {
    const orders = range(300, 200);
    const others = writer({ seed: 13, orders, fields: [DELIVERY_MODE], perSecond: 20, race: 0.15 });
    const r = rig((calls) => Promise.all(calls.map((c) => others.race(c.orderNumber))).then(() => undefined));
    orders.forEach((o) => r.enqueue(o, { DeliveryModeCode: '20' }, { DeliveryModeCode: '10' }));
    others.start();
    const summary = await r.drainer.drainUntilIdle();
    await others.stop();

    const log = (await server.writes()).filter((w) => orders.includes(w.orderNumber));
    const report = checkHistory({ outbox: r.outbox, acknowledged: r.acknowledged, writes: log, rows: await server.orders(), othersWrite: new Set(['DeliveryModeCode']) });
    expect(report.violations).toEqual([]);
    expect(summary.done + summary.conflict).toBe(200);
    expect(summary.conflict).toBeGreaterThan(0);

    // A conflict exactly where someone else changed the field before the agent could write it.
    const contested = orders.filter((o) => {
      const first = writesTo(log, o).find((w) => w.by === 'client' || 'DeliveryModeCode' in w.fields);
      return first?.by === 'writer';
    });
    expect(report.conflicts.map((c) => c.orderNumber).sort()).toEqual(contested.sort());
    for (const c of report.conflicts) {
      expect(c.fields).toHaveLength(1);
      expect(c.fields[0]).toMatchObject({ field: 'DeliveryModeCode', base: '10', ours: '20' });
      expect(['30', '40', '50']).toContain(c.fields[0]!.theirs);
    }
  });
});
