import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Simulator } from '../../../core/simulator/simulator.ts';
import { connect, foOrderPath, literal, requestToken, type ODataErrorBody, type TestClient } from './client.ts';

let sim: Simulator;
let client: TestClient;

beforeEach(async () => {
  sim = await Simulator.start({ orders: 5 });
  client = await connect(sim);
});

afterEach(async () => {
  await sim.stop();
});

describe('token endpoint', () => {
  it('issues a bearer token for the right client credentials', async () => {
    const response = await requestToken(sim);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3600);
    expect(typeof body.access_token).toBe('string');
    expect(String(body.access_token).length).toBeGreaterThan(20);
  });

  it('refuses a wrong secret, client or tenant with invalid_client', async () => {
    const wrongSecret = await requestToken(sim, { client_secret: 'nope' });
    expect(wrongSecret.status).toBe(401);
    const body = (await wrongSecret.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);

    expect((await requestToken(sim, { client_id: 'someone-else' })).status).toBe(401);
    expect((await requestToken(sim, {}, 'other-tenant')).status).toBe(401);
    expect((await requestToken(sim, { grant_type: 'password' })).status).toBe(400);
  });

  it('refuses data calls without a token, with an unknown one, or after revocation', async () => {
    const path = foOrderPath('USMF', 'SO-000001');
    const missing = await fetch(`${sim.url}${path}`);
    expect(missing.status).toBe(401);

    const bogus = await fetch(`${sim.url}${path}`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(bogus.status).toBe(401);
    expect(bogus.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(((await bogus.json()) as ODataErrorBody).error.message).toMatch(/invalid/);

    expect((await client.get(path)).status).toBe(200);
    sim.revokeTokens();
    const revoked = await client.get(path);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('invalid_token');
    // a fresh token works again
    expect((await (await connect(sim)).get(path)).status).toBe(200);
  });

  it('lets tokens expire after their lifetime', async () => {
    const shortLived = await Simulator.start({ orders: 1, tokenLifetimeSeconds: 0.2 });
    try {
      const c = await connect(shortLived);
      const path = foOrderPath('USMF', 'SO-000001');
      expect((await c.get(path)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const expired = await c.get(path);
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toContain('expired');
    } finally {
      await shortLived.stop();
    }
  });
});

describe('F&O SalesOrderHeadersV2', () => {
  it('GET with $select returns the selected fields, the keys and the ETag in body and header', async () => {
    const response = await client.get(`${foOrderPath('USMF', 'SO-000001')}?$select=SalesOrderStatus,RequestedShippingDate&cross-company=true`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      ['@odata.context', '@odata.etag', 'RequestedShippingDate', 'SalesOrderNumber', 'SalesOrderStatus', 'dataAreaId'].sort(),
    );
    expect(body['@odata.etag']).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
    expect(response.headers.get('etag')).toBe(body['@odata.etag']);
    expect(body['@odata.etag']).toBe(sim.etag('USMF', 'SO-000001'));
    expect(body.SalesOrderStatus).toBe('Backorder');
    expect(body.RequestedShippingDate).toMatch(/^2026-12-\d\dT12:00:00Z$/);
    expect(body.dataAreaId).toBe('usmf');
    // the ETag is F&O-shaped: base64 of '1,<row version>;…'
    const opaque = Buffer.from(String(body['@odata.etag']).slice(3, -1), 'base64').toString();
    expect(opaque).toMatch(/^'1,\d+;0,0/);
  });

  it('answers 404 with an OData error for an unknown order, and 400 for an unknown $select field', async () => {
    const missing = await client.get(foOrderPath('USMF', 'SO-999999'));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ODataErrorBody).error.message).toBe("Resource not found for the segment 'SalesOrderHeadersV2'.");

    const unknown = await client.get(`${foOrderPath('USMF', 'SO-000001')}?$select=Foo`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as ODataErrorBody).error.message).toContain("'Foo'");
  });

  it('creates unknown orders on GET in autoCreate (demo) mode', async () => {
    const demo = await Simulator.start({ orders: 0, autoCreate: true });
    try {
      const c = await connect(demo);
      const response = await c.get(foOrderPath('DEMF', 'NEW-1'));
      expect(response.status).toBe(200);
      expect(demo.order('DEMF', 'NEW-1')?.SalesOrderStatus).toBe('Backorder');
    } finally {
      await demo.stop();
    }
  });

  it.each([`O'Brien`, 'SO/1', 'SO#2 x', 'Ünïcødé-7', `SO-1') or true or ('`, 'a,b(c)=d', '100%'])(
    'round-trips the odd order number %j',
    async (orderNumber) => {
      sim.seedOrder('USMF', orderNumber, { SalesOrderName: `name of ${orderNumber}` });
      const response = await client.get(foOrderPath('USMF', orderNumber));
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.SalesOrderNumber).toBe(orderNumber);
      expect(body.SalesOrderName).toBe(`name of ${orderNumber}`);

      const patched = await client.patch(foOrderPath('USMF', orderNumber), { CustomerRequisitionNumber: 'R-1' }, {
        'if-match': String(body['@odata.etag']),
      });
      expect(patched.status).toBe(204);
      expect(sim.order('USMF', orderNumber)?.CustomerRequisitionNumber).toBe('R-1');
    },
  );

  it('reads keys in any order, and a raw slash inside quotes the same as %2F', async () => {
    sim.seedOrder('USMF', 'SO/1');
    const swapped = await client.get(`/data/SalesOrderHeadersV2(SalesOrderNumber=${literal('SO/1')},dataAreaId='USMF')`);
    expect(swapped.status).toBe(200);
    const raw = await client.get(`/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO/1')`);
    expect(raw.status).toBe(200);
  });

  it('refuses malformed key predicates with 400', async () => {
    for (const predicate of [
      `(dataAreaId='USMF',SalesOrderNumber='SO-000001'`,
      `(dataAreaId='USMF',SalesOrderNumber='SO-000001)`,
      `(dataAreaId='USMF')`,
      `('SO-000001')`,
      `(dataAreaId='USMF',SalesOrderNumber=SO-000001)`,
      `(dataAreaId='USMF',SalesOrderNumber='SO-000001',Extra='x')`,
      `(dataAreaId='USMF',,SalesOrderNumber='SO-000001')`,
    ]) {
      const response = await client.get(`/data/SalesOrderHeadersV2${encodeURIComponent(predicate)}`);
      expect(response.status, predicate).toBe(400);
      expect(((await response.json()) as ODataErrorBody).error.message, predicate).toBeTruthy();
    }
  });

  it('PATCH with the current ETag answers 204, sends the new ETag and logs the client write', async () => {
    const before = sim.etag('USMF', 'SO-000002') as string;
    const response = await client.patch(
      foOrderPath('USMF', 'SO-000002'),
      { RequestedShippingDate: '2027-01-15T08:30:00Z', DeliveryModeCode: '30' },
      { 'if-match': before },
    );
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    const after = response.headers.get('etag');
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
    expect(after).toBe(sim.etag('USMF', 'SO-000002'));
    expect(sim.order('USMF', 'SO-000002')).toMatchObject({ RequestedShippingDate: '2027-01-15T08:30:00Z', DeliveryModeCode: '30' });
    expect(sim.writeLog).toHaveLength(1);
    expect(sim.writeLog[0]).toMatchObject({
      seq: 1,
      by: 'client',
      entity: 'fo',
      company: 'USMF',
      orderNumber: 'SO-000002',
      fields: { RequestedShippingDate: '2027-01-15T08:30:00Z', DeliveryModeCode: '30' },
      etagBefore: before,
      etagAfter: after,
    });
  });

  it('stores DateTimeOffset values the way F&O does: whole seconds, UTC', async () => {
    const response = await client.patch(foOrderPath('USMF', 'SO-000002'), { RequestedShippingDate: '2027-01-15T10:30:00.123+02:00' }, { 'if-match': '*' });
    expect(response.status).toBe(204);
    expect(sim.order('USMF', 'SO-000002')?.RequestedShippingDate).toBe('2027-01-15T08:30:00Z');
  });

  it('answers a stale If-Match with 412 by default', async () => {
    const stale = sim.etag('USMF', 'SO-000003') as string;
    sim.writeAsOtherUser('USMF', 'SO-000003', { SalesOrderName: 'someone else' });
    const response = await client.patch(foOrderPath('USMF', 'SO-000003'), { DeliveryModeCode: '20' }, { 'if-match': stale });
    expect(response.status).toBe(412);
    expect(((await response.json()) as ODataErrorBody).error.message).toMatch(/ETag/);
    expect(sim.order('USMF', 'SO-000003')?.DeliveryModeCode).toBe('10');
    expect(sim.writeLog.map((e) => e.by)).toEqual(['writer']);
  });

  it("answers a stale If-Match with the AOS's 500 update conflict when configured", async () => {
    const aos = await Simulator.start({ orders: 1, conflictForm: 'fo-500' });
    try {
      const c = await connect(aos);
      const stale = aos.etag('USMF', 'SO-000001') as string;
      aos.writeAsOtherUser('USMF', 'SO-000001', { CustomerRequisitionNumber: 'X' });
      const response = await c.patch(foOrderPath('USMF', 'SO-000001'), { DeliveryModeCode: '20' }, { 'if-match': stale });
      expect(response.status).toBe(500);
      const body = (await response.json()) as ODataErrorBody;
      expect(body.error.message).toBe('An error has occurred.');
      expect(body.error.innererror?.message).toContain(
        'An update conflict occurred due to another user process deleting the record or changing one or more fields in the record.',
      );
      expect(body.error.innererror?.type).toBe('Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException');
    } finally {
      await aos.stop();
    }
  });

  it("mixes both conflict forms from the seed when conflictForm is 'mixed'", async () => {
    const statuses = async (seed: number): Promise<number[]> => {
      const mixed = await Simulator.start({ orders: 1, conflictForm: 'mixed', seed });
      try {
        const c = await connect(mixed);
        const out: number[] = [];
        for (let i = 0; i < 12; i++) {
          out.push((await c.patch(foOrderPath('USMF', 'SO-000001'), { DeliveryModeCode: '20' }, { 'if-match': 'W/"stale"' })).status);
        }
        return out;
      } finally {
        await mixed.stop();
      }
    };
    const first = await statuses(7);
    expect(new Set(first)).toEqual(new Set([412, 500]));
    expect(await statuses(7)).toEqual(first);
  });

  it('refuses unknown properties, key changes, bad values and malformed JSON with 400', async () => {
    const path = foOrderPath('USMF', 'SO-000001');
    const unknown = await client.patch(path, { Foo: 1 }, { 'if-match': '*' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as ODataErrorBody).error.message).toContain(
      "The property 'Foo' does not exist on type 'Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2'.",
    );
    const key = await client.patch(path, { SalesOrderNumber: 'SO-OTHER' }, { 'if-match': '*' });
    expect(key.status).toBe(400);
    const badStatus = await client.patch(path, { SalesOrderStatus: 'Shipped' }, { 'if-match': '*' });
    expect(badStatus.status).toBe(400);
    const badDate = await client.patch(path, { RequestedShippingDate: 'next tuesday' }, { 'if-match': '*' });
    expect(badDate.status).toBe(400);
    const malformed = await client.patch(path, '{"SalesOrderName": ', { 'if-match': '*' });
    expect(malformed.status).toBe(400);
    expect(sim.writeLog).toHaveLength(0);
  });

  it('refuses a status change out of Invoiced or Canceled with 400 naming the transition', async () => {
    const path = foOrderPath('USMF', 'SO-000004');
    expect((await client.patch(path, { SalesOrderStatus: 'Invoiced' }, { 'if-match': '*' })).status).toBe(204);
    const back = await client.patch(path, { SalesOrderStatus: 'Backorder' }, { 'if-match': '*' });
    expect(back.status).toBe(400);
    const message = ((await back.json()) as ODataErrorBody).error.message;
    expect(message).toContain('Invoiced');
    expect(message).toContain('Backorder');
    expect(sim.order('USMF', 'SO-000004')?.SalesOrderStatus).toBe('Invoiced');
    // other fields of an invoiced order may still change
    expect((await client.patch(path, { CustomerRequisitionNumber: 'late' }, { 'if-match': '*' })).status).toBe(204);
  });

  it('serves $metadata listing the entity, its properties and the entity set', async () => {
    const response = await client.get('/data/$metadata');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('xml');
    const xml = await response.text();
    expect(xml).toContain('<EntityType Name="SalesOrderHeaderV2">');
    expect(xml).toContain('<EntitySet Name="SalesOrderHeadersV2" EntityType="Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2" />');
    for (const name of ['dataAreaId', 'SalesOrderNumber', 'SalesOrderStatus', 'RequestedShippingDate', 'DeliveryModeCode', 'CustomerRequisitionNumber']) {
      expect(xml).toContain(`<Property Name="${name}"`);
    }
    expect(xml).toContain('Type="Edm.DateTimeOffset"');
    expect(xml).toContain('<Member Name="Invoiced"');
  });

  it('lists orders with $top, each row with its own @odata.etag', async () => {
    const response = await client.get('/data/SalesOrderHeadersV2?$top=3&$select=SalesOrderStatus&cross-company=true');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { value: Record<string, unknown>[] };
    expect(body.value).toHaveLength(3);
    expect(body.value.map((r) => r.SalesOrderNumber)).toEqual(['SO-000001', 'SO-000002', 'SO-000003']);
    for (const row of body.value) expect(row['@odata.etag']).toBe(sim.etag('USMF', String(row.SalesOrderNumber)));
    const filtered = await client.get(`/data/SalesOrderHeadersV2?$filter=${encodeURIComponent("SalesOrderNumber eq 'SO-000004'")}`);
    expect(((await filtered.json()) as { value: unknown[] }).value).toHaveLength(1);
  });

  it('answers Prefer: return=representation with 200 and the entity', async () => {
    const response = await client.patch(foOrderPath('USMF', 'SO-000001'), { SalesOrderName: 'Renamed' }, {
      'if-match': '*',
      prefer: 'return=representation',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.SalesOrderName).toBe('Renamed');
    expect(body['@odata.etag']).toBe(sim.etag('USMF', 'SO-000001'));
  });
});

describe('Business Central salesOrders', () => {
  const companyPath = (): string => `/api/v2.0/companies(${sim.bcCompanyId('USMF')})`;

  async function find(number: string): Promise<Record<string, unknown>> {
    const response = await client.get(`${companyPath()}/salesOrders?$filter=${encodeURIComponent(`number eq '${number}'`)}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { value: Record<string, unknown>[] };
    expect(body.value).toHaveLength(1);
    return body.value[0] as Record<string, unknown>;
  }

  it('finds an order by number and by id, mirroring the F&O orders', async () => {
    const row = await find('SO-000001');
    expect(row).toMatchObject({ number: 'SO-000001', status: 'Draft', requestedDeliveryDate: '2026-12-01' });
    expect(row['@odata.etag']).toMatch(/^W\/"JzE5OzE/);
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    const single = await client.get(`${companyPath()}/salesOrders(${String(row.id)})`);
    expect(single.status).toBe(200);
    expect(single.headers.get('etag')).toBe(row['@odata.etag']);
    expect(((await single.json()) as Record<string, unknown>).number).toBe('SO-000001');

    const companies = (await (await client.get('/api/v2.0/companies')).json()) as { value: { id: string; name: string }[] };
    expect(companies.value).toContainEqual(expect.objectContaining({ id: sim.bcCompanyId('USMF'), name: 'USMF' }));
  });

  it('requires If-Match (400), answers a stale one with 409 and a good one with 200 and the entity', async () => {
    const row = await find('SO-000002');
    const path = `${companyPath()}/salesOrders(${String(row.id)})`;
    const method = sim.bcShipmentMethods().find((m) => m.code === 'DDP');

    const missing = await client.patch(path, { requestedDeliveryDate: '2027-02-01' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: {
        code: 'BadRequest_InvalidToken',
        message: 'Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.',
      },
    });

    sim.writeAsOtherUser('USMF', 'SO-000002', { externalDocumentNumber: 'theirs' }, 'bc');
    const stale = await client.patch(path, { requestedDeliveryDate: '2027-02-01' }, { 'if-match': String(row['@odata.etag']) });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toEqual({ error: { code: 'Request_EntityChanged', message: 'Another user has already changed the record.' } });

    const fresh = await find('SO-000002');
    const ok = await client.patch(path, { requestedDeliveryDate: '2027-02-01', shipmentMethodId: method?.id }, { 'if-match': String(fresh['@odata.etag']) });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ number: 'SO-000002', requestedDeliveryDate: '2027-02-01', shipmentMethodId: method?.id, externalDocumentNumber: 'theirs' });
    expect(body['@odata.etag']).not.toBe(fresh['@odata.etag']);
    expect(body['@odata.etag']).toBe(sim.bcEtag('USMF', 'SO-000002'));
    expect(sim.writeLog.map((e) => [e.by, e.entity])).toEqual([
      ['writer', 'bc'],
      ['client', 'bc'],
    ]);
    // F&O and BC are separate stores
    expect(sim.order('USMF', 'SO-000002')?.CustomerRequisitionNumber).toBe('');
  });

  it('refuses unknown and read-only properties', async () => {
    const row = await find('SO-000003');
    const path = `${companyPath()}/salesOrders(${String(row.id)})`;
    expect((await client.patch(path, { foo: 1 }, { 'if-match': '*' })).status).toBe(400);
    expect((await client.patch(path, { number: 'X' }, { 'if-match': '*' })).status).toBe(400);
    expect((await client.patch(path, { shipmentMethodId: '00000000-0000-0000-0000-000000000000' }, { 'if-match': '*' })).status).toBe(400);
  });

  it('answers 404 for an unknown company or order id', async () => {
    expect((await client.get('/api/v2.0/companies(00000000-0000-0000-0000-000000000000)/salesOrders')).status).toBe(404);
    expect((await client.get(`${companyPath()}/salesOrders(00000000-0000-0000-0000-000000000000)`)).status).toBe(404);
    const none = await client.get(`${companyPath()}/salesOrders?$filter=${encodeURIComponent("number eq 'NOPE'")}`);
    expect(((await none.json()) as { value: unknown[] }).value).toEqual([]);
  });
});
