/**
 * The agent against SAP CAP over multipart $batch (the drainer's default: 50 orders a round
 * trip, one changeset per order), agent unchanged except URL and authority.
 *
 * Expected to fail until the client's $batch rewrite lands (issue 12): today the client puts
 * absolute URIs in its request lines, which CAP refuses part by part (404 "Invalid resource
 * path …http:"), and without continue-on-error CAP stops after that first part, so the client
 * reads "the $batch answer has 1 parts for 50 requests" and pauses the whole drain. The
 * Business Central cases want the documented JSON batch, which the client does not send yet.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UNRELATED } from './background-writer.ts';
import { BC_COMPANY_ID } from './cap/entity.ts';
import { D365Server } from './d365-server.ts';
import { otherBcWrite } from './raw-http.ts';
import { DELIVERY_MODE, range, Scene, writesTo } from './scene.ts';

let server: D365Server;
let scene: Scene;

beforeAll(async () => {
  server = await D365Server.start({ orders: 700 });
  scene = new Scene(server);
});
afterEach(async () => {
  await scene.cleanup();
});
afterAll(async () => {
  await server?.stop();
});

/** Batch trouble must never pause the drain: the first pause ends the run (and names why). */
const WITHIN_MS = 15_000;
const REFUSED_STATUS = 'Enter one of the allowed values: Backorder, Delivered, Invoiced, Canceled.';

describe('the agent against SAP CAP over multipart $batch', () => {
  it('drains 60 orders in $batch round trips, one changeset per order, each write in the server log', async () => {
    const r = scene.rig();
    const orders = range(0, 60);
    orders.forEach((o, i) => r.enqueue(o, { DeliveryModeCode: '20', CustomerRequisitionNumber: `B-${i}` }, { DeliveryModeCode: '10', CustomerRequisitionNumber: '' }));
    const run = await r.drainWithin(WITHIN_MS, { stopOnPause: true });
    expect(run.stalled).toBeNull();
    expect(run.pauses).toEqual([]);
    expect(run.summary).toMatchObject({ done: 60, conflict: 0, failed: 0 });
    // it really used $batch: a few round trips, no order sent on its own
    expect(r.traffic.singles).toBe(0);
    expect(r.traffic.batches).toBeGreaterThanOrEqual(2);
    expect(r.traffic.batches).toBeLessThanOrEqual(8);
    const log = (await server.writes()).filter((w) => orders.includes(w.orderNumber));
    expect(log.map((w) => w.by)).toEqual(orders.map(() => 'client'));
    for (const [i, o] of orders.entries()) expect(writesTo(log, o)[0]!.fields).toEqual({ DeliveryModeCode: '20', CustomerRequisitionNumber: `B-${i}` });
  });

  it('with continue-on-error, a refused order and a lost ETag race in one batch hold up nobody', async () => {
    const others = scene.writer({ seed: 21, orders: range(100, 10), fields: UNRELATED });
    let raced = false;
    const r = scene.rig({
      beforeSend: async (calls) => {
        // another user writes order 8 after the batch of GETs, right before the batch of PATCHes
        if (!raced && calls.some((c) => c.method === 'PATCH' && c.orderNumber === 'SO-000108')) {
          raced = true;
          await others.write('SO-000108', UNRELATED[0]);
        }
      },
    });
    const orders = range(100, 10);
    const ids = orders.map((o, i) => r.enqueue(o, i === 2 ? { SalesOrderStatus: 'Shipped' } : { DeliveryModeCode: '20' }, i === 2 ? { SalesOrderStatus: 'Backorder' } : { DeliveryModeCode: '10' }));
    const run = await r.drainWithin(WITHIN_MS, { stopOnPause: true });
    expect(run.stalled).toBeNull();
    expect(run.pauses).toEqual([]);
    expect(run.summary).toMatchObject({ done: 9, failed: 1, conflict: 0 });
    expect(r.outbox.get(ids[2]!)).toMatchObject({ state: 'failed' });
    expect(r.outbox.get(ids[2]!)!.lastError!.message).toContain(REFUSED_STATUS);
    expect(raced).toBe(true);
    expect(r.outbox.history(ids[8]!).some((e) => e.kind === 'retrying')).toBe(true);
    expect(r.traffic.singles).toBe(0);
  });

  it('a server that ignores continue-on-error and stops early: answered parts settle, the rest go again, the drain never pauses', async () => {
    const r = scene.rig({ ignorePrefer: true });
    const orders = range(200, 12);
    const ids = orders.map((o, i) => r.enqueue(o, i === 3 || i === 7 ? { SalesOrderStatus: 'Shipped' } : { DeliveryModeCode: '20' }));
    const run = await r.drainWithin(WITHIN_MS, { stopOnPause: true });
    expect(run.stalled).toBeNull();
    expect(run.pauses).toEqual([]);
    expect(run.summary).toMatchObject({ done: 10, failed: 2, conflict: 0 });
    for (const i of [3, 7]) expect(r.outbox.get(ids[i]!)!.lastError!.message).toContain(REFUSED_STATUS);
    const log = (await server.writes()).filter((w) => orders.includes(w.orderNumber));
    expect(log.filter((w) => w.by === 'client')).toHaveLength(10);
  });

  it('200 updates in batches while other users write unrelated fields: every one done, 0 false conflicts', async () => {
    const { rig: r, others, run, report } = await scene.drainUnderOthers({
      orders: range(300, 200),
      fields: (i) => ({ DeliveryModeCode: '20', CustomerRequisitionNumber: `REQ-${i}` }),
      base: { DeliveryModeCode: '10', CustomerRequisitionNumber: '' },
      writer: { seed: 22, fields: UNRELATED, perSecond: 40, race: 0.1 },
      withinMs: WITHIN_MS,
      stopOnPause: true,
    });
    expect(run.stalled).toBeNull();
    expect(run.pauses).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.states).toEqual({ done: 200 });
    expect(others.applied).toBeGreaterThanOrEqual(20);
    expect(r.traffic.batches).toBeGreaterThan(0);
  }, 90_000);

  it('200 updates in batches while other users change the same field: every true conflict surfaced, nothing overwritten', async () => {
    const { run, report, contested } = await scene.drainUnderOthers({
      orders: range(500, 200),
      fields: () => ({ DeliveryModeCode: '20' }),
      base: { DeliveryModeCode: '10' },
      writer: { seed: 23, fields: [DELIVERY_MODE], perSecond: 20, race: 0.05 },
      withinMs: WITHIN_MS,
      stopOnPause: true,
    });
    expect(run.stalled).toBeNull();
    expect(report.violations).toEqual([]);
    expect(run.summary.done + run.summary.conflict).toBe(200);
    expect(run.summary.conflict).toBeGreaterThan(0);
    expect(report.conflicts.map((c) => c.orderNumber).sort()).toEqual(contested.sort());
  }, 90_000);
});

describe('the agent against SAP CAP as Business Central over the JSON $batch (OData 4.01)', () => {
  it('drains 60 orders through JSON batches, one atomicity group per order, each write in the server log', async () => {
    const r = scene.rig({ profile: 'bc' });
    const orders = range(0, 60);
    orders.forEach((o, i) => r.enqueue(o, { externalDocumentNumber: `J-${i}` }, { externalDocumentNumber: '' }));
    const run = await r.drainWithin(WITHIN_MS, { stopOnPause: true });
    expect(run.stalled).toBeNull();
    expect(run.summary).toMatchObject({ done: 60, conflict: 0, failed: 0 });
    expect(r.traffic.singles).toBe(0);
    expect(r.traffic.jsonBatches).toBeGreaterThanOrEqual(2);
    expect(r.traffic.jsonBatches).toBe(r.traffic.batches);
    const log = (await server.writes()).filter((w) => w.entity === 'bc' && orders.includes(w.orderNumber));
    expect(log.map((w) => [w.by, w.company])).toEqual(orders.map(() => ['client', BC_COMPANY_ID]));
  });

  it('a refused value and a lost ETag race in one JSON batch hold up nobody', async () => {
    let raced = false;
    const r = scene.rig({
      profile: 'bc',
      beforeSend: async (calls) => {
        if (!raced && calls.some((c) => c.method === 'PATCH' && c.orderNumber === 'SO-000107')) {
          raced = true;
          await otherBcWrite(server, 'SO-000107', { shipToContact: 'Warehouse' });
        }
      },
    });
    const orders = range(100, 10);
    const ids = orders.map((o, i) => r.enqueue(o, i === 1 ? { status: 'Shipped' } : { externalDocumentNumber: `K-${i}` }, i === 1 ? { status: 'Open' } : { externalDocumentNumber: '' }));
    const run = await r.drainWithin(WITHIN_MS, { stopOnPause: true });
    expect(run.stalled).toBeNull();
    expect(run.summary).toMatchObject({ done: 9, failed: 1, conflict: 0 });
    expect(r.outbox.get(ids[1]!)!.lastError!.message).toContain('Enter one of the allowed values: Draft, In Review, Open, Released.');
    expect(r.outbox.history(ids[7]!).some((e) => e.kind === 'retrying')).toBe(true);
    expect(r.traffic.jsonBatches).toBeGreaterThan(0);
    expect(r.traffic.singles).toBe(0);
  });
});
