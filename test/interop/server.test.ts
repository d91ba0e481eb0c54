/**
 * The third-party server on its own, by raw HTTP: what SAP CAP does with tokens, key
 * predicates, ETags and $batch. These pin down the server the agent is then put against
 * (agent-single.test.ts, agent-batch.test.ts), so a change of server version shows up here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLIENT, D365Server, WRITER_CLIENT } from './d365-server.ts';
import { BC_COMPANY_ID, bcOrderId } from './cap/entity.ts';
import { bcOrderPath, bearer, http, orderPath, postBatch, requestToken, type BatchRequest } from './raw-http.ts';

let server: D365Server;
let token: string;

beforeAll(async () => {
  server = await D365Server.start({ orders: 40, companies: ['USMF', 'DEMF'] });
  token = await bearer(server);
});
afterAll(async () => {
  await server?.stop();
});

const auth = () => ({ authorization: `Bearer ${token}`, accept: 'application/json' });
const url = (order: string, query = '', company = 'USMF') => `${server.serviceRoot}/${orderPath(order, company)}${query}`;

async function read(order: string, company = 'USMF'): Promise<{ etag: string; row: Record<string, unknown> }> {
  const r = await http('GET', url(order, '?cross-company=true', company), auth());
  expect(r.status).toBe(200);
  const row = r.json();
  return { etag: String(row['@odata.etag']), row };
}

function patch(order: string, etag: string | null, fields: Record<string, unknown>) {
  const headers: Record<string, string> = { ...auth(), 'content-type': 'application/json' };
  if (etag !== null) headers['if-match'] = etag;
  return http('PATCH', url(order, '?cross-company=true'), headers, JSON.stringify(fields));
}

function patchPart(order: string, contentId: string, etag: string, fields: Record<string, unknown>): BatchRequest {
  return { method: 'PATCH', url: `${orderPath(order)}?cross-company=true`, contentId, headers: { 'If-Match': etag }, body: fields };
}

async function writesTo(order: string) {
  return (await server.writes()).filter((w) => w.orderNumber === order && w.company === 'USMF');
}

describe('token endpoint and bearer tokens (Entra client credentials)', () => {
  it('issues a token for a known client and refuses a wrong secret or tenant as Entra does', async () => {
    const ok = await requestToken(server);
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(typeof ok.json().access_token).toBe('string');

    const badSecret = await requestToken(server, { ...AGENT_CLIENT, secret: 'wrong' });
    expect(badSecret.status).toBe(401);
    expect(badSecret.json()).toMatchObject({ error: 'invalid_client' });
    expect(String(badSecret.json().error_description)).toMatch(/^AADSTS7000215: Invalid client secret provided\.\r\n/);

    expect((await requestToken(server, AGENT_CLIENT, 'other-tenant')).status).toBe(400);
  });

  it('refuses data and $metadata without a token it issued', async () => {
    const variants: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-token' }, { authorization: 'Basic b3V0Ym94OnNlY3JldA==' }];
    for (const headers of variants) {
      const r = await http('GET', url('SO-000001'), headers);
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer /);
      expect((await http('GET', `${server.serviceRoot}/$metadata`, headers)).status).toBe(401);
    }
    expect((await http('GET', `${server.serviceRoot}/$metadata`, { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('records who wrote: the agent and the other app each under their own client id', async () => {
    const other = await bearer(server, WRITER_CLIENT);
    const { etag } = await read('SO-000040');
    const r = await http(
      'PATCH',
      url('SO-000040'),
      { authorization: `Bearer ${other}`, 'content-type': 'application/json', 'if-match': etag },
      JSON.stringify({ SalesOrderName: 'Renamed by the warehouse app' }),
    );
    expect(r.status).toBe(200);
    const [w] = await writesTo('SO-000040');
    expect(w).toMatchObject({ by: 'writer', user: WRITER_CLIENT.clientId, fields: { SalesOrderName: 'Renamed by the warehouse app' }, etagBefore: etag });
  });
});

describe('single requests: key predicates, ETags, If-Match', () => {
  it('reads by the F&O key predicate, ignores cross-company=true, honours $select and tells companies apart', async () => {
    const r = await http('GET', url('SO-000001', `?cross-company=true&$select=${encodeURIComponent('SalesOrderStatus,DeliveryModeCode')}`), auth());
    expect(r.status).toBe(200);
    const row = r.json();
    // $select is honoured; the keys and the ETag property come along (CAP adds the ETag column)
    expect(Object.keys(row).filter((k) => !k.startsWith('@')).sort()).toEqual(['DeliveryModeCode', 'RowVersion', 'SalesOrderNumber', 'SalesOrderStatus', 'dataAreaId']);
    expect(row).toMatchObject({ dataAreaId: 'USMF', SalesOrderNumber: 'SO-000001', SalesOrderStatus: 'Backorder', DeliveryModeCode: '10' });
    // weak ETag, the same in the header and in the body
    expect(row['@odata.etag']).toMatch(/^W\/"[0-9a-f-]{36}"$/);
    expect(r.headers.etag).toBe(row['@odata.etag']);

    const demf = await read('SO-000001', 'DEMF');
    expect(demf.row.dataAreaId).toBe('DEMF');
    expect(demf.etag).not.toBe(row['@odata.etag']);
    expect((await http('GET', url('SO-999999'), auth())).status).toBe(404);
  });

  it('answers If-None-Match with 304 while the ETag is current, 200 once it changed', async () => {
    const { etag } = await read('SO-000002');
    const same = await http('GET', url('SO-000002'), { ...auth(), 'if-none-match': etag });
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    expect((await patch('SO-000002', etag, { CustomerRequisitionNumber: 'REQ-2' })).status).toBe(200);
    expect((await http('GET', url('SO-000002'), { ...auth(), 'if-none-match': etag })).status).toBe(200);
  });

  it('PATCH with the current ETag applies and answers 200 with the entity and a new ETag; a stale one gets 412 and changes nothing', async () => {
    const { etag } = await read('SO-000003');
    const ok = await patch('SO-000003', etag, { DeliveryModeCode: '20' });
    expect(ok.status).toBe(200);
    const next = String(ok.json()['@odata.etag']);
    expect(next).not.toBe(etag);
    expect(ok.headers.etag).toBe(next);
    expect(ok.json()).toMatchObject({ DeliveryModeCode: '20', ModifiedBy: AGENT_CLIENT.clientId });

    const stale = await patch('SO-000003', etag, { DeliveryModeCode: '30' });
    expect(stale.status).toBe(412);
    expect(stale.json()).toMatchObject({ error: { code: '412' } });

    // the ETag changes on every write, even one that writes the value already there
    const again = await patch('SO-000003', next, { DeliveryModeCode: '20' });
    expect(again.status).toBe(200);
    expect(again.json()['@odata.etag']).not.toBe(next);

    const log = await writesTo('SO-000003');
    expect(log.map((w) => [w.etagBefore, w.fields])).toEqual([
      [etag, { DeliveryModeCode: '20' }],
      [next, {}],
    ]);
    expect(log[0]!.etagAfter).toBe(next);
  });

  it('PATCH without If-Match is refused with 428', async () => {
    const r = await patch('SO-000004', null, { DeliveryModeCode: '20' });
    expect(r.status).toBe(428);
    expect(await writesTo('SO-000004')).toEqual([]);
  });

  it('types values by $metadata: Edm.Date refuses a date-time, the status enum names its members', async () => {
    const meta = await http('GET', `${server.serviceRoot}/$metadata`, { authorization: `Bearer ${token}` });
    expect(meta.text).toContain('<Property Name="RequestedShippingDate" Type="Edm.Date"/>');
    const { etag } = await read('SO-000005');
    const date = await patch('SO-000005', etag, { RequestedShippingDate: '2027-02-03T12:00:00Z' });
    expect(date.status).toBe(400);
    expect(date.json()).toMatchObject({ error: { code: 'ASSERT_DATA_TYPE', target: 'RequestedShippingDate' } });
    const status = await patch('SO-000005', etag, { SalesOrderStatus: 'Shipped' });
    expect(status.status).toBe(400);
    expect(status.json()).toMatchObject({ error: { code: 'ASSERT_ENUM', message: 'Enter one of the allowed values: Backorder, Delivered, Invoiced, Canceled.' } });
    expect((await patch('SO-000005', etag, { RequestedShippingDate: '2027-02-03' })).status).toBe(200);
  });
});

describe('multipart $batch', () => {
  it('takes request lines relative to the service root: GETs and one changeset per order, each answered with its Content-ID', async () => {
    const a = await read('SO-000010');
    const b = await read('SO-000011');
    const { reply, parts } = await postBatch(server, token, [
      { method: 'GET', url: `${orderPath('SO-000012')}?cross-company=true&$select=DeliveryModeCode`, contentId: 'g1' },
      { changeset: [patchPart('SO-000010', 'p1', a.etag, { DeliveryModeCode: '40' })] },
      { changeset: [patchPart('SO-000011', 'p2', b.etag, { DeliveryModeCode: '50' })] },
    ]);
    expect(reply.status).toBe(200);
    expect(parts.map((p) => [p.contentId, p.changeset, p.status])).toEqual([
      ['g1', false, 200],
      ['p1', true, 200],
      ['p2', true, 200],
    ]);
    expect(JSON.parse(parts[0]!.body)).toMatchObject({ SalesOrderNumber: 'SO-000012', DeliveryModeCode: '10' });
    expect(JSON.parse(parts[1]!.body)['@odata.etag']).not.toBe(a.etag);
    expect((await writesTo('SO-000010')).map((w) => w.fields)).toEqual([{ DeliveryModeCode: '40' }]);
    expect((await writesTo('SO-000011')).map((w) => w.fields)).toEqual([{ DeliveryModeCode: '50' }]);
  });

  it('refuses absolute paths and absolute URIs in request lines with 404 "Invalid resource path"', async () => {
    const { parts } = await postBatch(
      server,
      token,
      [
        { method: 'GET', url: `/data/${orderPath('SO-000012')}`, contentId: 'path' },
        { method: 'GET', url: `${server.serviceRoot}/${orderPath('SO-000012')}`, contentId: 'uri' },
        { method: 'GET', url: orderPath('SO-000012'), contentId: 'relative' },
      ],
      { prefer: 'odata.continue-on-error' },
    );
    expect(parts.map((p) => [p.contentId, p.status])).toEqual([
      ['path', 404],
      ['uri', 404],
      ['relative', 200],
    ]);
    expect(JSON.parse(parts[0]!.body).error.message).toBe('Invalid resource path "Microsoft.Dynamics.DataEntities.data"');
    expect(JSON.parse(parts[1]!.body).error.message).toBe('Invalid resource path "Microsoft.Dynamics.DataEntities.http:"');
  });

  it('without continue-on-error stops at the first failing part: fewer parts than requests, the rest not executed', async () => {
    const a = await read('SO-000013');
    const c = await read('SO-000015');
    const { reply, parts } = await postBatch(server, token, [
      { changeset: [patchPart('SO-000013', '1', a.etag, { CustomersOrderReference: 'A' })] },
      { changeset: [patchPart('SO-000014', '2', 'W/"stale"', { CustomersOrderReference: 'B' })] },
      { changeset: [patchPart('SO-000015', '3', c.etag, { CustomersOrderReference: 'C' })] },
      { method: 'GET', url: orderPath('SO-000015'), contentId: '4' },
    ]);
    expect(reply.status).toBe(200);
    expect(parts.map((p) => [p.contentId, p.status])).toEqual([
      ['1', 200],
      ['2', 412],
    ]);
    expect((await writesTo('SO-000013')).length).toBe(1);
    expect(await writesTo('SO-000015')).toEqual([]);
  });

  it('with Prefer: odata.continue-on-error answers every part and runs the ones after a failure', async () => {
    const c = await read('SO-000016');
    const { parts } = await postBatch(
      server,
      token,
      [
        { changeset: [patchPart('SO-000017', '1', 'W/"stale"', { CustomersOrderReference: 'B' })] },
        { changeset: [patchPart('SO-000016', '2', c.etag, { CustomersOrderReference: 'C' })] },
        { method: 'GET', url: orderPath('SO-000999'), contentId: '3' },
        { method: 'GET', url: orderPath('SO-000016'), contentId: '4' },
      ],
      { prefer: 'odata.continue-on-error' },
    );
    expect(parts.map((p) => [p.contentId, p.status])).toEqual([
      ['1', 412],
      ['2', 200],
      ['3', 404],
      ['4', 200],
    ]);
    expect(JSON.parse(parts[3]!.body)).toMatchObject({ CustomersOrderReference: 'C' });
    expect(await writesTo('SO-000017')).toEqual([]);
  });

  it('answers a failed changeset of two requests as one part and applies neither', async () => {
    const a = await read('SO-000018');
    const { parts } = await postBatch(
      server,
      token,
      [
        { changeset: [patchPart('SO-000018', '1', a.etag, { CustomersOrderReference: 'X' }), patchPart('SO-000019', '2', 'W/"stale"', { CustomersOrderReference: 'Y' })] },
        { method: 'GET', url: orderPath('SO-000018'), contentId: '3' },
      ],
      { prefer: 'odata.continue-on-error' },
    );
    expect(parts.map((p) => [p.contentId, p.changeset, p.status])).toEqual([
      ['2', false, 412],
      ['3', false, 200],
    ]);
    expect(JSON.parse(parts[1]!.body)).toMatchObject({ CustomersOrderReference: '', '@odata.etag': a.etag });
    expect(await writesTo('SO-000018')).toEqual([]);
  });
});

describe('JSON $batch (OData 4.01)', () => {
  async function postJson(requests: unknown[], headers: Record<string, string> = {}) {
    const r = await http(
      'POST',
      `${server.serviceRoot}/$batch`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json', ...headers },
      JSON.stringify({ requests }),
    );
    expect(r.status).toBe(200);
    return (r.json() as { responses: { id: string; status: number; atomicityGroup?: string; body?: Record<string, unknown> }[] }).responses;
  }
  const jsonPatch = (id: string, order: string, etag: string, fields: Record<string, unknown>, group: string) => ({
    id,
    method: 'PATCH',
    url: `${orderPath(order)}?cross-company=true`,
    headers: { 'if-match': etag, 'content-type': 'application/json' },
    body: fields,
    atomicityGroup: group,
  });

  it('takes {"requests":[…]} with relative URLs, per-request If-Match and one atomicity group per order, continuing after a failure by default', async () => {
    const a = await read('SO-000020');
    const c = await read('SO-000022');
    const responses = await postJson([
      { id: 'r1', method: 'GET', url: `${orderPath('SO-000021')}?$select=DeliveryModeCode` },
      jsonPatch('w1', 'SO-000020', a.etag, { DeliveryModeCode: '30' }, 'SO-000020'),
      jsonPatch('w2', 'SO-000023', 'W/"stale"', { DeliveryModeCode: '30' }, 'SO-000023'),
      jsonPatch('w3', 'SO-000022', c.etag, { DeliveryModeCode: '30' }, 'SO-000022'),
    ]);
    expect(responses.map((r) => [r.id, r.status])).toEqual([
      ['r1', 200],
      ['w1', 200],
      ['w2', 412],
      ['w3', 200],
    ]);
    expect(responses[1]!.body?.['@odata.etag']).not.toBe(a.etag);
    expect((await writesTo('SO-000020')).length).toBe(1);
    expect(await writesTo('SO-000023')).toEqual([]);
    expect((await writesTo('SO-000022')).length).toBe(1);
  });

  it('stops after a failed group when continue-on-error=false', async () => {
    const c = await read('SO-000025');
    const responses = await postJson(
      [jsonPatch('w1', 'SO-000024', 'W/"stale"', { DeliveryModeCode: '30' }, 'g1'), jsonPatch('w2', 'SO-000025', c.etag, { DeliveryModeCode: '30' }, 'g2')],
      { prefer: 'odata.continue-on-error=false' },
    );
    expect(responses.map((r) => [r.id, r.status])).toEqual([['w1', 412]]);
    expect(await writesTo('SO-000025')).toEqual([]);
  });

  it('reports 200 for a request its failed atomicity group rolled back: only the write log tells', async () => {
    const a = await read('SO-000026');
    const responses = await postJson([
      jsonPatch('w1', 'SO-000026', a.etag, { CustomersOrderReference: 'ROLLED-BACK' }, 'g1'),
      jsonPatch('w2', 'SO-000027', 'W/"stale"', { CustomersOrderReference: 'NEVER' }, 'g1'),
    ]);
    expect(responses.map((r) => [r.id, r.status, r.atomicityGroup])).toEqual([
      ['w1', 200, 'g1'],
      ['w2', 412, 'g1'],
    ]);
    // w1 says 200 with the new value, but the group was rolled back
    expect(responses[0]!.body).toMatchObject({ CustomersOrderReference: 'ROLLED-BACK' });
    expect(await writesTo('SO-000026')).toEqual([]);
    expect((await read('SO-000026')).row).toMatchObject({ CustomersOrderReference: '', '@odata.etag': a.etag });
  });
});

describe('Business Central-shaped service (Microsoft.NAV at /api/v2.0)', () => {
  it('finds an order by $filter on number inside companies(<id>), writes it by id with If-Match, and takes it in a JSON batch', async () => {
    const root = `${server.url}/api/v2.0`;
    const filter = `$filter=${encodeURIComponent("number eq 'SO-000030'")}&$select=${encodeURIComponent('id,number,externalDocumentNumber')}`;
    const found = await http('GET', `${root}/companies(${BC_COMPANY_ID})/salesOrders?${filter}`, auth());
    expect(found.status).toBe(200);
    const [row] = found.json().value as Record<string, unknown>[];
    expect(row).toMatchObject({ id: bcOrderId('SO-000030'), number: 'SO-000030', externalDocumentNumber: '' });

    const r = await http(
      'POST',
      `${root}/$batch`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      JSON.stringify({
        requests: [
          { id: '1', method: 'PATCH', url: bcOrderPath('SO-000030'), headers: { 'if-match': String(row!['@odata.etag']), 'content-type': 'application/json' }, body: { externalDocumentNumber: 'EXT-30' }, atomicityGroup: 'SO-000030' },
          { id: '2', method: 'PATCH', url: bcOrderPath('SO-000031'), headers: { 'if-match': 'W/"stale"', 'content-type': 'application/json' }, body: { externalDocumentNumber: 'EXT-31' }, atomicityGroup: 'SO-000031' },
        ],
      }),
    );
    expect((r.json().responses as { id: string; status: number }[]).map((x) => [x.id, x.status])).toEqual([
      ['1', 200],
      ['2', 412],
    ]);
    const log = (await server.writes()).filter((w) => w.entity === 'bc');
    expect(log.map((w) => [w.orderNumber, w.company, w.fields])).toEqual([['SO-000030', BC_COMPANY_ID, { externalDocumentNumber: 'EXT-30' }]]);
  });
});
