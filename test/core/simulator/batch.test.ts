import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Simulator } from '../../../core/simulator/simulator.ts';
import { batchBody, readBatch, type PartResponse } from './batch-wire.ts';
import { connect, foOrderPath, type TestClient } from './client.ts';

let sim: Simulator;
let client: TestClient;

beforeEach(async () => {
  sim = await Simulator.start({ orders: 5 });
  client = await connect(sim);
});

afterEach(async () => {
  await sim.stop();
});

async function postBatch(body: string, boundary: string): Promise<{ status: number; parts: (PartResponse | PartResponse[])[] }> {
  const response = await client.post('/data/$batch', body, { 'content-type': `multipart/mixed; boundary=${boundary}` });
  const text = await response.text();
  if (response.status !== 200) return { status: response.status, parts: [] };
  return { status: response.status, parts: readBatch(response.headers.get('content-type') ?? '', text) };
}

describe('$batch', () => {
  it('answers GETs with one part each, carrying their ETags', async () => {
    const { status, parts } = await postBatch(
      batchBody('batch_1', [
        { method: 'GET', url: `SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-000001')?$select=SalesOrderStatus` },
        { method: 'GET', url: `${sim.url}${foOrderPath('USMF', 'SO-000002')}` },
        { method: 'GET', url: foOrderPath('USMF', 'SO-404') },
      ]),
      'batch_1',
    );
    expect(status).toBe(200);
    expect(parts).toHaveLength(3);
    const [a, b, c] = parts as PartResponse[];
    expect(a?.status).toBe(200);
    expect(JSON.parse(a?.body ?? '{}')).toMatchObject({ SalesOrderNumber: 'SO-000001', SalesOrderStatus: 'Backorder' });
    expect(a?.headers.etag).toBe(sim.etag('USMF', 'SO-000001'));
    expect(JSON.parse(b?.body ?? '{}')['@odata.etag']).toBe(sim.etag('USMF', 'SO-000002'));
    expect(c?.status).toBe(404);
  });

  it('applies changesets atomically and independently: one fails with 412, the other commits', async () => {
    const stale1 = sim.etag('USMF', 'SO-000001') as string;
    const etag2 = sim.etag('USMF', 'SO-000002') as string;
    const etag3 = sim.etag('USMF', 'SO-000003') as string;
    sim.writeAsOtherUser('USMF', 'SO-000001', { SalesOrderName: 'moved on' });
    const logBefore = sim.writeLog.length;

    const { status, parts } = await postBatch(
      batchBody('batch_2', [
        [
          // the first request would succeed alone; the changeset's failure must undo it
          { method: 'PATCH', url: foOrderPath('USMF', 'SO-000003'), headers: { 'If-Match': etag3 }, body: { DeliveryModeCode: '40' }, contentId: '1' },
          { method: 'PATCH', url: foOrderPath('USMF', 'SO-000001'), headers: { 'If-Match': stale1 }, body: { DeliveryModeCode: '20' }, contentId: '2' },
        ],
        [{ method: 'PATCH', url: foOrderPath('USMF', 'SO-000002'), headers: { 'If-Match': etag2 }, body: { DeliveryModeCode: '30' }, contentId: '3' }],
      ]),
      'batch_2',
    );
    expect(status).toBe(200);
    expect(parts).toHaveLength(2);
    const [failed, committed] = parts as PartResponse[][];
    expect(failed).toHaveLength(1);
    expect(failed?.[0]).toMatchObject({ status: 412, contentId: '2' });
    expect(committed).toHaveLength(1);
    expect(committed?.[0]).toMatchObject({ status: 204, contentId: '3' });
    expect(committed?.[0]?.headers.etag).toBe(sim.etag('USMF', 'SO-000002'));

    expect(sim.order('USMF', 'SO-000003')?.DeliveryModeCode).toBe('10');
    expect(sim.etag('USMF', 'SO-000003')).toBe(etag3);
    expect(sim.order('USMF', 'SO-000001')?.DeliveryModeCode).toBe('10');
    expect(sim.order('USMF', 'SO-000001')?.SalesOrderName).toBe('moved on');
    expect(sim.order('USMF', 'SO-000002')?.DeliveryModeCode).toBe('30');
    expect(sim.writeLog.slice(logBefore).map((e) => [e.by, e.orderNumber])).toEqual([['client', 'SO-000002']]);
  });

  it('commits a whole changeset and answers each request with its Content-ID', async () => {
    const { parts } = await postBatch(
      batchBody('batch_3', [
        [
          { method: 'PATCH', url: foOrderPath('USMF', 'SO-000004'), headers: { 'If-Match': sim.etag('USMF', 'SO-000004') as string }, body: { SalesOrderName: 'A' }, contentId: 'a' },
          { method: 'PATCH', url: foOrderPath('USMF', 'SO-000005'), headers: { 'If-Match': '*' }, body: { SalesOrderName: 'B' }, contentId: 'b' },
        ],
      ]),
      'batch_3',
    );
    const [changeset] = parts as PartResponse[][];
    expect(changeset?.map((p) => [p.status, p.contentId])).toEqual([
      [204, 'a'],
      [204, 'b'],
    ]);
    expect(sim.order('USMF', 'SO-000004')?.SalesOrderName).toBe('A');
    expect(sim.order('USMF', 'SO-000005')?.SalesOrderName).toBe('B');
    expect(sim.writeLog.map((e) => e.orderNumber)).toEqual(['SO-000004', 'SO-000005']);
  });

  it('lets a scripted writer hit one part of a batch', async () => {
    sim.script({ kind: 'writer', pathIncludes: 'SO-000002', fields: { DeliveryModeCode: '50' } });
    const etag = sim.etag('USMF', 'SO-000002') as string;
    const { parts } = await postBatch(
      batchBody('batch_4', [[{ method: 'PATCH', url: foOrderPath('USMF', 'SO-000002'), headers: { 'If-Match': etag }, body: { DeliveryModeCode: '20' } }]]),
      'batch_4',
    );
    expect((parts[0] as PartResponse[])[0]?.status).toBe(412);
    expect(sim.order('USMF', 'SO-000002')?.DeliveryModeCode).toBe('50');
    expect(sim.writeLog.map((e) => e.by)).toEqual(['writer']);
  });

  it('serves Business Central batches too, with 409 for a stale changeset', async () => {
    const company = sim.bcCompanyId('USMF');
    const order = sim.bcOrder('USMF', 'SO-000001') as Record<string, unknown>;
    const url = `companies(${company})/salesOrders(${String(order.id)})`;
    const stale = sim.bcEtag('USMF', 'SO-000001') as string;
    sim.writeAsOtherUser('USMF', 'SO-000001', { DeliveryModeCode: '30' }, 'bc');
    const body = batchBody('batch_bc', [
      { method: 'GET', url },
      [{ method: 'PATCH', url, headers: { 'If-Match': stale }, body: { externalDocumentNumber: 'mine' }, contentId: '1' }],
    ]);
    const response = await client.post('/api/v2.0/$batch', body, { 'content-type': 'multipart/mixed; boundary=batch_bc' });
    expect(response.status).toBe(200);
    const parts = readBatch(response.headers.get('content-type') ?? '', await response.text());
    const read = parts[0] as PartResponse;
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ number: 'SO-000001', shipmentMethodId: sim.bcShipmentMethods().find((m) => m.code === 'CIF')?.id });
    expect((parts[1] as PartResponse[])[0]).toMatchObject({ status: 409, contentId: '1' });
    expect(sim.bcOrder('USMF', 'SO-000001')?.externalDocumentNumber).toBe('');
  });

  it('refuses a malformed batch with 400', async () => {
    const response = await client.post('/data/$batch', '--x\r\nnot a part', { 'content-type': 'multipart/mixed; boundary=x' });
    expect(response.status).toBe(400);
    const noBoundary = await client.post('/data/$batch', '{}', { 'content-type': 'application/json' });
    expect(noBoundary.status).toBe(400);
  });

  it('is refused with 501 when the server does not support batches', async () => {
    const noBatch = await Simulator.start({ orders: 1, batch: false });
    try {
      const c = await connect(noBatch);
      const response = await c.post('/data/$batch', batchBody('b', [{ method: 'GET', url: foOrderPath('USMF', 'SO-000001') }]), {
        'content-type': 'multipart/mixed; boundary=b',
      });
      expect(response.status).toBe(501);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/not supported/);
    } finally {
      await noBatch.stop();
    }
  });
});
