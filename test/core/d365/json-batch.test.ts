import { afterEach, describe, expect, it } from 'vitest';
import { D365Error } from '../../../core/d365/errors.ts';
import { PROFILES } from '../../../core/d365/profile.ts';
import { STRICT_SERVER, type BatchRules } from '../../../core/simulator/simulator.ts';
import { buildRig, type Rig } from '../engine/harness.ts';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const order = (i: number) => `SO-${String(i).padStart(6, '0')}`;
const batches = (rig: Rig) => rig.sim.requestLog.filter((e) => e.method === 'POST' && e.path === '/api/v2.0/$batch');

async function bcRig(rules: Partial<BatchRules>, orders = 20, batchSize?: number): Promise<Rig> {
  return buildRig({ sim: { orders, batchRules: rules }, profile: PROFILES.bc, ...(batchSize ? { drainer: { batchSize } } : {}) });
}

describe("Business Central's JSON batch", () => {
  it('drains in JSON batches with per-request If-Match, one atomicity group per order', async () => {
    r = await bcRig(STRICT_SERVER);
    const company = r.sim.bcCompanyId('USMF');
    r.outbox.transaction(() => {
      for (let i = 1; i <= 8; i++) r!.enqueue(order(i), { externalDocumentNumber: `EXT-${i}` }, null, company);
    });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 8, failed: 0 });
    expect(batches(r)).toHaveLength(2);
    expect(batches(r).every((e) => e.contentType === 'application/json' && e.status === 200)).toBe(true);
    for (let i = 1; i <= 8; i++) expect(r.sim.bcOrder('USMF', order(i))!.externalDocumentNumber).toBe(`EXT-${i}`);
  });

  it('re-reads every request of a failed atomicity group, though the server answers 200 for the one it rolled back', async () => {
    r = await bcRig({ ...STRICT_SERVER, failedGroup: 'report-original', answerIds: 'omit' });
    const company = r.sim.bcCompanyId('USMF');
    const before = r.sim.bcOrder('USMF', order(1));
    const [a] = await r.client.readOrders([{ company, orderNumber: order(1) }], [['externalDocumentNumber', 'shipToName']]);
    if (!a || a instanceof D365Error) throw new Error('read failed');
    const { written: results } = await r.client.writeOrders([
      { snapshot: a, fields: { externalDocumentNumber: 'first' }, what: 'first' },
      { snapshot: a, fields: { shipToName: 'second' }, what: 'second' },
    ]);
    expect(results.map((x) => (x instanceof D365Error ? x.code : 'done'))).toEqual(['NOT_EXECUTED', 'CONCURRENCY']);
    expect(r.sim.bcOrder('USMF', order(1))).toEqual(before);
  });

  it('never marks done what D365 rolled back, under writers on the same fields', async () => {
    r = await buildRig({
      sim: { orders: 40, batchRules: { ...STRICT_SERVER, failedGroup: 'report-original', answerIds: 'omit' }, writers: { onRequest: 0.3, sameFieldProbability: 0.5, contestedFields: ['externalDocumentNumber'] } },
      profile: PROFILES.bc,
    });
    const company = r.sim.bcCompanyId('USMF');
    const ids = r.outbox.transaction(() => Array.from({ length: 40 }, (_, k) => r!.enqueue(order(k + 1), { externalDocumentNumber: `OURS-${k + 1}` }, { externalDocumentNumber: '' }, company)));
    const summary = await r.drainer.drainUntilIdle();
    expect(summary.done + summary.conflict).toBe(40);
    for (const [k, id] of ids.entries()) {
      const u = r.outbox.get(id)!;
      if (u.state === 'done') expect(r.sim.bcOrder('USMF', order(k + 1))!.externalDocumentNumber).toBe(`OURS-${k + 1}`);
      else expect(u.state).toBe('conflict');
    }
    expect(summary.conflict).toBeGreaterThan(0);
  }, 30_000);

  it('keeps to 100 operations per batch, as Business Central documents', async () => {
    r = await bcRig(STRICT_SERVER, 150, 150);
    const company = r.sim.bcCompanyId('USMF');
    r.outbox.transaction(() => {
      for (let i = 1; i <= 150; i++) r!.enqueue(order(i), { externalDocumentNumber: `L${i}` }, null, company);
    });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 150 });
    // reads in 100 + 50, writes in 100 + 50; a batch of 150 would have been refused with 400
    expect(batches(r).map((e) => e.status)).toEqual([200, 200, 200, 200]);
  }, 30_000);
});
