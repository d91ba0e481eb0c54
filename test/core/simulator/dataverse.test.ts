import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Simulator } from '../../../core/simulator/simulator.ts';
import { batchBody, readBatch, type PartResponse } from './batch-wire.ts';
import { connect, literal, type ODataErrorBody, type TestClient } from './client.ts';

let sim: Simulator;
let client: TestClient;
const root = '/api/data/v9.2';

beforeEach(async () => {
  sim = await Simulator.start({ orders: 3 });
  client = await connect(sim);
});

afterEach(async () => {
  await sim.stop();
});

type Row = Record<string, unknown>;

async function byNumber(orderNumber: string, select = 'ordernumber,statecode'): Promise<Row> {
  const response = await client.get(`${root}/salesorders?$filter=${encodeURIComponent('ordernumber eq ')}${literal(orderNumber)}&$select=${select}`);
  expect(response.status).toBe(200);
  const rows = ((await response.json()) as { value: Row[] }).value;
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('Dataverse salesorders (Web API v9.2)', () => {
  it('finds an order by $filter, by the ordernumber alternate key and by id, the ETag in @odata.etag', async () => {
    const row = await byNumber('SO-000001');
    expect(row).toMatchObject({ ordernumber: 'SO-000001', statecode: 0 });
    expect(row['@odata.etag']).toMatch(/^W\/"\d+"$/);
    expect(row['@odata.etag']).toBe(sim.dataverseEtag('SO-000001'));
    expect(typeof row.salesorderid).toBe('string');

    const byKey = await client.get(`${root}/salesorders(ordernumber=${literal('SO-000001')})?$select=name`);
    expect(byKey.status).toBe(200);
    const keyed = (await byKey.json()) as Row;
    expect(keyed.salesorderid).toBe(row.salesorderid);
    expect(Object.keys(keyed).sort()).toEqual(['@odata.context', '@odata.etag', 'name', 'salesorderid'].sort());

    expect((await client.get(`${root}/salesorders(${String(row.salesorderid)})`)).status).toBe(200);
    expect((await client.get(`${root}/salesorders(ordernumber=${literal('SO-404')})`)).status).toBe(404);
    expect((await client.get(`${root}/salesorders(name='x')`)).status).toBe(400);
  });

  it('answers a stale If-Match with 412, a good one with 204, and stamps modifiedon on every write', async () => {
    const row = await byNumber('SO-000002', 'ordernumber,modifiedon');
    const url = `${root}/salesorders(${String(row.salesorderid)})`;
    const stale = String(row['@odata.etag']);
    sim.writeAsOtherUser('USMF', 'SO-000002', { SalesOrderName: 'someone else' }, 'dataverse');
    const afterWriter = sim.dataverseOrder('SO-000002')!.modifiedon;
    expect(afterWriter).not.toBe(row.modifiedon);

    const refused = await client.patch(url, { shippingmethodcode: 3 }, { 'if-match': stale });
    expect(refused.status).toBe(412);
    expect(((await refused.json()) as ODataErrorBody).error).toMatchObject({ code: '0x80060882' });

    const accepted = await client.patch(url, { shippingmethodcode: 3 }, { 'if-match': sim.dataverseEtag('SO-000002')! });
    expect(accepted.status).toBe(204);
    expect(accepted.headers.get('odata-entityid')).toContain(String(row.salesorderid));
    const now = sim.dataverseOrder('SO-000002')!;
    expect(now.shippingmethodcode).toBe(3);
    expect(Date.parse(String(now.modifiedon))).toBeGreaterThan(Date.parse(String(afterWriter)));
  });

  it('refuses read-only fields, values outside an option set, and leaving a closed state', async () => {
    sim.seedOrder('USMF', 'SO-INV', { SalesOrderStatus: 'Invoiced' });
    const row = await byNumber('SO-INV');
    const url = `${root}/salesorders(${String(row.salesorderid)})`;
    const etag = String(row['@odata.etag']);
    const readOnly = await client.patch(url, { modifiedon: '2026-01-01T00:00:00Z' }, { 'if-match': etag });
    expect(readOnly.status).toBe(400);
    const outside = await client.patch(url, { shippingmethodcode: 99 }, { 'if-match': etag });
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as ODataErrorBody).error.message).toMatch(/Accepted Values: 1,2,3,4,5,6,7/);
    const reopen = await client.patch(url, { statecode: 0 }, { 'if-match': etag });
    expect(reopen.status).toBe(400);
    expect(sim.writeLog).toHaveLength(0);
  });

  it('serves multipart $batch and $metadata', async () => {
    const row = await byNumber('SO-000003');
    const body = batchBody('b', [
      { method: 'GET', url: `salesorders?$filter=ordernumber eq 'SO-000001'&$select=ordernumber`, contentId: '1' },
      [{ method: 'PATCH', url: `salesorders(${String(row.salesorderid)})`, headers: { 'If-Match': String(row['@odata.etag']) }, body: { description: 'batched' }, contentId: '2' }],
    ]);
    const response = await client.post(`${root}/$batch`, body, { 'content-type': 'multipart/mixed; boundary=b' });
    expect(response.status).toBe(200);
    const parts = readBatch(response.headers.get('content-type') ?? '', await response.text());
    expect((parts[0] as PartResponse).status).toBe(200);
    expect((parts[1] as PartResponse[])[0]).toMatchObject({ status: 204, contentId: '2' });
    expect(sim.dataverseOrder('SO-000003')?.description).toBe('batched');

    const metadata = await client.get(`${root}/$metadata`);
    expect(await metadata.text()).toMatch(/<EntitySet Name="salesorders" EntityType="Microsoft.Dynamics.CRM.salesorder"/);
  });

  it('throttles with 429 and Retry-After in seconds', async () => {
    sim.script({ kind: 'throttle', retryAfter: 12, pathIncludes: 'salesorders' });
    const response = await client.get(`${root}/salesorders?$top=1`);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('12');
  });

  it('lets background writers reach Dataverse orders once clients use Dataverse', async () => {
    sim.setWriters({ onRequest: 1, sameFieldProbability: 1 });
    await byNumber('SO-000001');
    const writes = sim.writeLog.filter((w) => w.entity === 'dataverse');
    expect(writes).toHaveLength(1);
    expect(['requestdeliveryby', 'shippingmethodcode', 'statecode']).toContain(Object.keys(writes[0]!.fields)[0]);
  });
});

describe('the clock and modification times', () => {
  it('uses the injected clock for logs, tokens and modification times, which change on every write', async () => {
    let now = Date.UTC(2027, 0, 4, 9, 0, 0);
    const clocked = await Simulator.start({ orders: 1, now: () => now, foModifiedDateTime: true, tokenLifetimeSeconds: 60 });
    try {
      const c = await connect(clocked);
      const first = clocked.bcOrder('USMF', 'SO-000001')!.lastModifiedDateTime;
      expect(first).toBe('2027-01-04T09:00:00.000Z');
      // two writes in the same instant still move the stamp forward
      clocked.writeAsOtherUser('USMF', 'SO-000001', { shipToName: 'a' }, 'bc');
      clocked.writeAsOtherUser('USMF', 'SO-000001', { shipToName: 'b' }, 'bc');
      const third = clocked.bcOrder('USMF', 'SO-000001')!.lastModifiedDateTime;
      expect(Date.parse(String(third)) - Date.parse(String(first))).toBe(2);
      expect(clocked.writeLog.map((w) => w.at)).toEqual([now, now]);

      const fo = clocked.order('USMF', 'SO-000001')!;
      expect(fo.ModifiedDateTime).toBe('2027-01-04T09:00:00.000Z');
      now += 5000;
      clocked.writeAsOtherUser('USMF', 'SO-000001', { SalesOrderName: 'moved' });
      expect(clocked.order('USMF', 'SO-000001')!.ModifiedDateTime).toBe('2027-01-04T09:00:05.000Z');
      const refused = await c.patch(`/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-000001')`, { ModifiedDateTime: '2020-01-01T00:00:00Z' }, { 'if-match': '*' });
      expect(refused.status).toBe(400);

      now += 61_000;
      const expired = await c.get(`/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-000001')`);
      expect(expired.status).toBe(401);
      expect(clocked.requestLog.at(-1)?.at).toBe(now);
    } finally {
      await clocked.stop();
    }
  });
});
