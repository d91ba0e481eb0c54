/**
 * The agent against SAP CAP, one request at a time (batchSize 1): its own client, token source,
 * drainer and a real outbox file, with only the environment URL and authority changed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentRig, OrderCall } from './agent-rig.ts';
import { UNRELATED } from './background-writer.ts';
import { BC_COMPANY_ID } from './cap/entity.ts';
import { D365Server } from './d365-server.ts';
import { otherBcWrite } from './raw-http.ts';
import { DELIVERY_MODE, range, Scene, writesTo } from './scene.ts';

let server: D365Server;
let scene: Scene;

beforeAll(async () => {
  server = await D365Server.start({ orders: 500 });
  scene = new Scene(server);
});
afterEach(async () => {
  await scene.cleanup();
});
afterAll(async () => {
  await server?.stop();
});

const SINGLE = { drainer: { batchSize: 1 } };
const rig = (beforeSend?: (calls: OrderCall[]) => Promise<void>): AgentRig => scene.rig({ ...SINGLE, beforeSend });
const writer = (o: Parameters<Scene['writer']>[0]) => scene.writer(o);

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
    const { rig: r, others, run, log, report } = await scene.drainUnderOthers({
      orders: range(100, 200),
      fields: (i) => ({ DeliveryModeCode: '20', CustomerRequisitionNumber: `REQ-${i}` }),
      base: { DeliveryModeCode: '10', CustomerRequisitionNumber: '' },
      writer: { seed: 12, fields: UNRELATED, perSecond: 40, race: 0.25 },
      rig: SINGLE,
    });
    expect(run.stalled).toBeNull();
    expect(run.summary).toMatchObject({ done: 200, conflict: 0, failed: 0 });
    expect(report.violations).toEqual([]);
    expect(report.states).toEqual({ done: 200 });
    // the run was contested: other users' writes landed, and some of them between our GET and PATCH
    expect(others.applied).toBeGreaterThanOrEqual(50);
    expect(r.seen.filter((e) => e.type === 'retrying').length).toBeGreaterThan(0);
    expect(log.filter((w) => w.by === 'client')).toHaveLength(200);
    expect(r.traffic.batches).toBe(0);
  }, 90_000);

  it('200 updates drained while other users change the same field: every true conflict surfaced, nothing overwritten', async () => {
    const { run, report, contested } = await scene.drainUnderOthers({
      orders: range(300, 200),
      fields: () => ({ DeliveryModeCode: '20' }),
      base: { DeliveryModeCode: '10' },
      writer: { seed: 13, fields: [DELIVERY_MODE], perSecond: 20, race: 0.15 },
      rig: SINGLE,
    });
    expect(run.stalled).toBeNull();
    expect(report.violations).toEqual([]);
    expect(run.summary.done + run.summary.conflict).toBe(200);
    expect(run.summary.conflict).toBeGreaterThan(0);
    // a conflict exactly where someone else changed the field before the agent could write it
    expect(report.conflicts.map((c) => c.orderNumber).sort()).toEqual(contested.sort());
    for (const c of report.conflicts) {
      expect(c.fields).toHaveLength(1);
      expect(c.fields[0]).toMatchObject({ field: 'DeliveryModeCode', base: '10', ours: '20' });
      expect(['30', '40', '50']).toContain(c.fields[0]!.theirs);
    }
  }, 90_000);
});

describe('the agent against SAP CAP as Business Central (profile bc), single requests', () => {
  it('finds the order by $filter on number inside companies(<id>), PATCHes it by id with If-Match, and retries a 412', async () => {
    let raced = false;
    const r = scene.rig({
      ...SINGLE,
      profile: 'bc',
      beforeSend: async (calls) => {
        if (!raced && calls.some((c) => c.method === 'PATCH' && c.orderNumber === 'SO-000021')) {
          raced = true;
          await otherBcWrite(server, 'SO-000021', { shipToContact: 'Warehouse' });
        }
      },
    });
    const id = r.enqueue('SO-000021', { externalDocumentNumber: 'EXT-21', requestedDeliveryDate: '2027-03-01' }, { externalDocumentNumber: '' });
    const run = await r.drainWithin(10_000);
    expect(run.stalled).toBeNull();
    expect(run.summary).toMatchObject({ done: 1, conflict: 0, failed: 0 });
    expect(r.outbox.history(id).some((e) => e.kind === 'retrying')).toBe(true);
    const log = writesTo(await server.writes(), 'SO-000021').filter((w) => w.entity === 'bc');
    expect(log.map((w) => [w.by, w.fields])).toEqual([
      ['writer', { shipToContact: 'Warehouse' }],
      ['client', { externalDocumentNumber: 'EXT-21', requestedDeliveryDate: '2027-03-01' }],
    ]);
    expect(log[1]!.company).toBe(BC_COMPANY_ID);
  });
});
