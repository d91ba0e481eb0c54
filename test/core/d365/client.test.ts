import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDispatcher, D365Client, serverMessage } from '../../../core/d365/client.ts';
import { D365Error } from '../../../core/d365/errors.ts';
import { PROFILES, type EntityProfile } from '../../../core/d365/profile.ts';
import type { TokenSource } from '../../../core/d365/token.ts';
import { answeringServer, json, type Answer, type Received } from './answering-server.ts';

const dispatcher = createDispatcher({ connectMs: 2000, headersMs: 5000, bodyMs: 5000 });
afterAll(() => dispatcher.close());
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** Tokens numbered in the order they were handed out; invalidate() moves on to the next. */
function numberedTokens(): TokenSource & { invalidated: number } {
  let n = 1;
  return {
    invalidated: 0,
    async token() {
      return `tok-${n}`;
    },
    invalidate() {
      this.invalidated++;
      n++;
    },
  };
}

async function d365(answer: (r: Received, n: number) => Answer, o: { profile?: EntityProfile; deadlineMs?: number; maxBodyBytes?: number; now?: () => number } = {}) {
  const server = await answeringServer(answer);
  closers.push(() => server.close());
  const tokens = numberedTokens();
  const client = new D365Client({ serviceRoot: `${server.url}/data/`, profile: o.profile ?? PROFILES.fo, tokens, dispatcher, batch: false, deadlineMs: o.deadlineMs, maxBodyBytes: o.maxBodyBytes, now: o.now });
  return { server, client, tokens };
}

const KEY = { company: 'USMF', orderNumber: 'SO-1' };
const ORDER = { '@odata.etag': 'W/"JzEsNTYzNzE0NDU3NjswLDA7MCwwJw=="', dataAreaId: 'usmf', SalesOrderNumber: 'SO-1', DeliveryModeCode: '10' };

async function failure(p: Promise<unknown>): Promise<D365Error> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(D365Error);
  return e as D365Error;
}

describe('D365Client: GET with $select, PATCH with If-Match', () => {
  it('reads the fields asked for and the opaque ETag, with OData headers and the bearer token', async () => {
    const { server, client } = await d365(() => json(200, ORDER));
    expect(client.serviceRoot).toBe(`${server.url}/data`);
    const snap = await client.getOrder(KEY, ['DeliveryModeCode', 'SalesOrderName']);
    expect(snap).toEqual({ values: { DeliveryModeCode: '10', SalesOrderName: null }, etag: ORDER['@odata.etag'], url: `${server.url}/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-1')?cross-company=true` });
    const [r] = server.received;
    expect(r!.url).toBe("/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-1')?cross-company=true&$select=DeliveryModeCode%2CSalesOrderName");
    expect(r!.headers).toMatchObject({ accept: 'application/json', 'odata-version': '4.0', 'odata-maxversion': '4.0', authorization: 'Bearer tok-1' });
  });

  it('PATCHes only the fields given, guarded by the ETag it read; the new ETag from the 204\'s header', async () => {
    const { server, client } = await d365((r) => (r.method === 'GET' ? json(200, ORDER) : { status: 204, headers: { etag: 'W/"new"' } }));
    const snap = await client.getOrder(KEY, ['DeliveryModeCode']);
    expect(await client.patchOrder(snap, { DeliveryModeCode: '30' }, 'PATCH order SO-1 (USMF)')).toEqual({ etag: 'W/"new"' });
    const patch = server.received[1]!;
    expect(patch.method).toBe('PATCH');
    expect(patch.headers['if-match']).toBe(ORDER['@odata.etag']);
    expect(patch.headers['content-type']).toBe('application/json');
    expect(JSON.parse(patch.body)).toEqual({ DeliveryModeCode: '30' });
  });

  it('a PATCH answered 200 with the entity (Business Central) takes the ETag from the body', async () => {
    const { server, client } = await d365(() => json(200, { '@odata.etag': 'W/"bc-2"', number: 'SO-1' }), { profile: PROFILES.bc });
    const snapshot = { values: {}, etag: 'W/"bc-1"', url: `${server.url}/data/companies(x)/salesOrders(y)` };
    expect(await client.patchOrder(snapshot, { status: 'Open' }, 'PATCH order SO-1')).toEqual({ etag: 'W/"bc-2"' });
    expect(server.received[0]!.headers['if-match']).toBe('W/"bc-1"');
  });

  it('a 401 refreshes the token once and tries again; a second 401 is believed', async () => {
    const ok = await d365((r) => (r.headers.authorization === 'Bearer tok-1' ? json(401, { error: { message: 'expired' } }) : json(200, ORDER)));
    expect((await ok.client.getOrder(KEY, ['DeliveryModeCode'])).values.DeliveryModeCode).toBe('10');
    expect(ok.tokens.invalidated).toBe(1);
    const never = await d365(() => json(401, { error: { code: 'Unauthorized', message: 'The access token is invalid.' } }));
    const e = await failure(never.client.getOrder(KEY, ['DeliveryModeCode']));
    expect(e).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(e.message).toBe('GET order SO-1 (USMF): D365 rejected the credentials (401: The access token is invalid.)');
    expect(never.server.received).toHaveLength(2);
  });

  it('classifies D365\'s answers by the profile: concurrency, throttling, refusals, absence, failure', async () => {
    const updateConflict = { error: { message: 'An error has occurred.', innererror: { message: 'An update conflict occurred due to another user process deleting the record or changing one or more fields in the record.' } } };
    const cases: [Answer, Partial<D365Error>, RegExp][] = [
      [json(412, { error: { message: 'ETag mismatch' } }), { code: 'CONCURRENCY', status: 412 }, /the order changed in D365 since it was read \(412: ETag mismatch\)/],
      [json(409, { error: { message: 'Another user' } }), { code: 'CONCURRENCY', status: 409 }, /409/],
      [json(500, updateConflict), { code: 'CONCURRENCY', status: 500 }, /An error has occurred\. — An update conflict occurred/],
      [json(500, { error: { message: 'Object reference not set' } }), { code: 'SERVER', status: 500 }, /D365 failed \(500: Object reference not set\)/],
      [json(429, {}, { 'retry-after': '42' }), { code: 'THROTTLED', status: 429, retryAfterMs: 42_000 }, /throttling requests \(429\); asked to wait 42 s/],
      [json(503, {}), { code: 'THROTTLED', status: 503, retryAfterMs: null }, /throttling requests \(503\)$/],
      [json(403, { error: { message: 'Forbidden' } }), { code: 'UNAUTHORIZED', status: 403 }, /rejected the credentials/],
      [json(404, { error: { message: "Resource not found for the segment 'x'." } }), { code: 'NOT_FOUND', status: 404 }, /not found in D365/],
      [json(400, { error: { message: 'Sales order SO-1 cannot be changed from status Invoiced' } }), { code: 'VALIDATION', status: 400 }, /D365 refused it: Sales order SO-1 cannot be changed from status Invoiced$/],
      [json(422, { error: { message: 'bad' } }), { code: 'VALIDATION', status: 422 }, /refused it: bad/],
      [{ status: 302, body: '' }, { code: 'BAD_RESPONSE', status: 302 }, /unexpected HTTP 302 \(no details\)/],
    ];
    for (const [answer, expected, message] of cases) {
      const { client } = await d365(() => answer);
      const e = await failure(client.getOrder(KEY, ['DeliveryModeCode']));
      expect(e, `${answer.status}`).toMatchObject(expected);
      expect(e.message).toMatch(message);
    }
  });

  it('refuses to write blind: an answer without an ETag, an HTML page or broken JSON is BAD_RESPONSE with context', async () => {
    const { '@odata.etag': _e, ...noEtag } = ORDER;
    const cases: [Answer, RegExp][] = [
      [json(200, noEtag), /the answer carries no ETag \(@odata\.etag\), so a safe update is impossible/],
      [{ status: 200, headers: { 'content-type': 'text/html' }, body: '<html><title>Service Unavailable</title></html>' }, /answered 200 with an HTML page \("Service Unavailable"\) instead of JSON/],
      [{ status: 200, headers: { 'content-type': 'application/json' }, body: '{"value": [' }, /something that is not valid JSON: "\{\\"value\\": \["/],
      [json(200, [1, 2]), /not valid JSON/],
    ];
    for (const [answer, message] of cases) {
      const { client } = await d365(() => answer);
      const e = await failure(client.getOrder(KEY, ['DeliveryModeCode']));
      expect(e.code).toBe('BAD_RESPONSE');
      expect(e.message).toMatch(message);
    }
  });

  it('an ETag only in the header is taken too', async () => {
    const { '@odata.etag': _e, ...noEtag } = ORDER;
    const { client } = await d365(() => json(200, noEtag, { etag: 'W/"from-header"' }));
    expect((await client.getOrder(KEY, ['DeliveryModeCode'])).etag).toBe('W/"from-header"');
  });

  it('by filter (Business Central): the first row, its id to write to; none is NOT_FOUND; no list is BAD_RESPONSE', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const rows = [json(200, { value: [{ '@odata.etag': 'W/"b"', id, number: 'SO-1', status: 'Draft' }] }), json(200, { value: [] }), json(200, { number: 'SO-1' }), json(200, { value: [{ '@odata.etag': 'W/"b"', number: 'SO-1' }] })];
    const { server, client } = await d365((_r, n) => rows[n - 1]!, { profile: PROFILES.bc });
    const snap = await client.getOrder({ company: 'c0ffee00-0000-5000-8000-000000000000', orderNumber: 'SO-1' }, ['status']);
    expect(snap.url).toBe(`${server.url}/data/companies(c0ffee00-0000-5000-8000-000000000000)/salesOrders(${id})`);
    expect(snap.values).toEqual({ status: 'Draft' });
    expect(await failure(client.getOrder(KEY, ['status']))).toMatchObject({ code: 'NOT_FOUND', message: 'GET order SO-1 (USMF): D365 has no such order' });
    expect((await failure(client.getOrder(KEY, ['status']))).message).toMatch(/the answer has no "value" list/);
    expect((await failure(client.getOrder(KEY, ['status']))).message).toMatch(/the order has no id$/);
  });

  it('an answer larger than the limit is refused, not read whole', async () => {
    const { client } = await d365(() => json(200, { ...ORDER, SalesOrderName: 'x'.repeat(20_000) }), { maxBodyBytes: 10_000 });
    const e = await failure(client.getOrder(KEY, ['SalesOrderName']));
    expect(e).toMatchObject({ code: 'BAD_RESPONSE', message: 'GET order SO-1 (USMF): the answer is larger than 10000 bytes' });
  });

  it('a server that never answers is OFFLINE once the deadline runs out, saying how long it waited', async () => {
    const { client } = await d365(() => ({ status: 200, hang: true }), { deadlineMs: 1000 });
    const e = await failure(client.getOrder(KEY, ['DeliveryModeCode']));
    expect(e.code).toBe('OFFLINE');
    expect(e.message).toMatch(/^GET order SO-1 \(USMF\): D365 is not reachable — no complete answer within 1 s$/);
  });

  it('several orders sent singly: an error about one order stays with it; one about the connection stands for the rest, unsent', async () => {
    const { server, client } = await d365((r) => {
      if (r.url.includes("'SO-2'")) return json(404, { error: { message: 'gone' } });
      if (r.url.includes("'SO-3'")) return json(429, {}, { 'retry-after': '5' });
      return json(200, ORDER);
    });
    const keys = ['SO-1', 'SO-2', 'SO-3', 'SO-4'].map((orderNumber) => ({ company: 'USMF', orderNumber }));
    const reads = await client.readOrders(keys, keys.map(() => ['DeliveryModeCode']));
    expect(reads.map((r) => (r instanceof D365Error ? r.code : 'ok'))).toEqual(['ok', 'NOT_FOUND', 'THROTTLED', 'THROTTLED']);
    expect(reads[3]).toBe(reads[2]);
    expect(server.received.map((r) => /'(SO-\d)'/.exec(r.url)![1])).toEqual(['SO-1', 'SO-2', 'SO-3']);
    expect(client.batching).toBe(false);
  });

  it('entityModel reads the profile\'s entity type from $metadata, asking for XML', async () => {
    const metadata = `<?xml version="1.0"?><edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0"><edmx:DataServices><Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Microsoft.Dynamics.DataEntities">
      <EntityType Name="Other"><Property Name="Wrong" Type="Edm.String" /></EntityType>
      <EntityType Name="SalesOrderHeaderV2"><Key><PropertyRef Name="dataAreaId" /></Key><Property Name="dataAreaId" Type="Edm.String" /><Property Name="DeliveryModeCode" Type="Edm.String" /></EntityType>
      <EntityContainer Name="Resources"><EntitySet Name="SalesOrderHeadersV2" EntityType="Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2" /></EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`;
    const { server, client } = await d365((_r, n) => (n === 1 ? { status: 200, headers: { 'content-type': 'application/xml' }, body: metadata } : { status: 200, body: '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"/>' }));
    const model = await client.entityModel();
    expect(model.entityType).toBe('Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2');
    expect(model.properties.map((p) => p.name)).toEqual(['dataAreaId', 'DeliveryModeCode']);
    expect(server.received[0]!.url).toBe('/data/$metadata');
    expect(server.received[0]!.headers.accept).toBe('application/xml');
    expect((await failure(client.entityModel())).message).toMatch(/^GET \$metadata: \$metadata holds no OData/);
  });
});

describe('serverMessage', () => {
  it('D365\'s own words: the message and the inner message where the cause is, once each', () => {
    expect(serverMessage({ text: JSON.stringify({ error: { message: 'outer', innererror: { message: 'inner' } } }), headers: {} })).toBe('outer — inner');
    expect(serverMessage({ text: JSON.stringify({ error: { message: 'same', innererror: { message: 'same' } } }), headers: {} })).toBe('same');
    expect(serverMessage({ text: '<html><title>Bad Gateway</title></html>', headers: {} })).toBe('HTML page "Bad Gateway"');
    expect(serverMessage({ text: '   ', headers: {} })).toBe('no details');
    expect(serverMessage({ text: 'x'.repeat(500), headers: {} })).toHaveLength(200);
  });
});
