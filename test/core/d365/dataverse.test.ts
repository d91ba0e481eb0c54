import { afterEach, describe, expect, it } from 'vitest';
import { PROFILES, orderReadUrl, profileNamed } from '../../../core/d365/profile.ts';
import { STRICT_SERVER } from '../../../core/simulator/simulator.ts';
import { buildRig, nextEvent, type Rig, type RigOptions } from '../engine/harness.ts';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const order = (i: number) => `SO-${String(i).padStart(6, '0')}`;
const onDataverse = (rig: Rig) => rig.sim.requestLog.filter((e) => e.path.startsWith('/api/data/v9.2/'));

function dvRig(o: RigOptions = {}): Promise<Rig> {
  return buildRig({ profile: PROFILES.dataverse, ...o, sim: { orders: 20, ...o.sim } });
}

describe('the Dataverse profile', () => {
  it('is configuration: salesorders by $filter on ordernumber, modifiedon, 412, the organisation scope, 1,000 per batch', () => {
    const p = profileNamed('dataverse');
    expect(p).toMatchObject({ entitySet: 'salesorders', servicePath: '/api/data/v9.2', orderKey: 'ordernumber', modifiedField: 'modifiedon', concurrencyStatuses: [412] });
    expect(p.batch).toEqual({ format: 'multipart', maxOperations: 1000 });
    expect(p.scope('https://contoso.crm.dynamics.com/')).toBe('https://contoso.crm.dynamics.com/.default');
    expect(orderReadUrl(p, 'https://contoso.crm.dynamics.com/api/data/v9.2', { company: 'ignored', orderNumber: "O'Brien 1" }, ['statecode'])).toBe(
      "https://contoso.crm.dynamics.com/api/data/v9.2/salesorders?$filter=ordernumber%20eq%20'O''Brien%201'&$select=salesorderid%2Cordernumber%2Cstatecode",
    );
    expect(() => profileNamed('crm')).toThrow(/fo .*bc .*dataverse/);
    // every profile names its modification-time field, or says it has none
    expect(Object.values(PROFILES).map((x) => x.modifiedField)).toEqual([null, 'lastModifiedDateTime', 'modifiedon']);
  });

  it('sends single requests: a stale If-Match gets 412, is re-read and applied', async () => {
    r = await dvRig({ batch: false });
    r.sim.script({ method: 'PATCH', kind: 'writer', fields: { SalesOrderName: 'someone else' } });
    const ids = r.outbox.transaction(() => [r!.enqueue(order(1), { shippingmethodcode: 4 }), r!.enqueue(order(2), { requestdeliveryby: '2027-03-01' })]);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 2, conflict: 0 });
    expect(onDataverse(r).some((e) => e.method === 'PATCH' && e.status === 412)).toBe(true);
    expect(r.outbox.history(ids[0]!).map((h) => h.kind)).toContain('retrying');
    expect(r.sim.dataverseOrder(order(1))).toMatchObject({ shippingmethodcode: 4, name: 'someone else' });
    expect(r.sim.dataverseOrder(order(2))!.requestdeliveryby).toBe('2027-03-01');
  });

  it('waits out a 429 for its Retry-After, then goes on', async () => {
    r = await dvRig({ batch: false });
    r.sim.script({ method: 'GET', kind: 'throttle', retryAfter: 1 });
    const paused = nextEvent(r, (e) => e.type === 'paused' && e.reason === 'throttled');
    r.enqueue(order(3), { statecode: 1 });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 1 });
    const p = await paused;
    const after = onDataverse(r).filter((e) => e.at >= p.at);
    expect(after[0]!.at - p.at).toBeGreaterThanOrEqual(900);
    expect(r.sim.dataverseOrder(order(3))!.statecode).toBe(1);
  });

  it('sends $batch against a strict server with an outer 400, a closed order failing alone', async () => {
    r = await dvRig({ sim: { batchRules: { ...STRICT_SERVER, failedBatchStatus: 400 } } });
    r.sim.seedOrder('USMF', 'SO-CLOSED', { SalesOrderStatus: 'Invoiced' });
    const ids = r.outbox.transaction(() => [
      ...Array.from({ length: 6 }, (_, k) => r!.enqueue(order(k + 1), { shippingmethodcode: (k % 7) + 1 })),
      r!.enqueue('SO-CLOSED', { statecode: 0 }),
    ]);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 6, failed: 1 });
    expect(r.outbox.get(ids[6]!)!.lastError!.message).toMatch(/closed/);
    const posts = onDataverse(r).filter((e) => e.path === '/api/data/v9.2/$batch');
    expect(posts.map((e) => e.status)).toEqual([200, 400]);
    expect(onDataverse(r).filter((e) => e.method === 'PATCH')).toHaveLength(0);
    for (let k = 0; k < 6; k++) expect(r.sim.dataverseOrder(order(k + 1))!.shippingmethodcode).toBe((k % 7) + 1);
  });

  it('can address by the ordernumber alternate key where the organisation defines one', async () => {
    r = await buildRig({ profile: { ...PROFILES.dataverse, addressing: 'key' }, sim: { orders: 5 } });
    r.outbox.transaction(() => {
      r!.enqueue(order(1), { description: 'by key' });
      r!.enqueue(order(2), { description: 'by key too' });
    });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 2 });
    expect(r.sim.dataverseOrder(order(2))!.description).toBe('by key too');
  });
});
