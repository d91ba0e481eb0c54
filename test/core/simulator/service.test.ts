import { describe, expect, it } from 'vitest';
import { BackgroundWriters } from '../../../core/simulator/background-writers.ts';
import { LENIENT_SERVER } from '../../../core/simulator/batch-rules.ts';
import { bcMirror, companyGuid } from '../../../core/simulator/bc-entity.ts';
import { dvMirror } from '../../../core/simulator/dv-entity.ts';
import { FaultScript } from '../../../core/simulator/faults.ts';
import { defaultFoOrder, foSchema } from '../../../core/simulator/fo-entity.ts';
import type { SimRequest } from '../../../core/simulator/http-message.ts';
import { OrderBook } from '../../../core/simulator/order-book.ts';
import { createRng } from '../../../core/simulator/rng.ts';
import { route } from '../../../core/simulator/routes.ts';
import { Service } from '../../../core/simulator/service.ts';
import { TokenIssuer } from '../../../core/simulator/token-issuer.ts';

function service(o: { autoCreate?: boolean; batch?: boolean } = {}) {
  const now = () => Date.UTC(2026, 10, 22);
  const book = new OrderBook(createRng(1), now, { bc: { id: 'id', modified: 'lastModifiedDateTime' }, dataverse: { id: 'salesorderid', modified: 'modifiedon' } });
  const seed = (company: string, orderNumber: string) => {
    const fo = book.put('fo', company, orderNumber, defaultFoOrder(company, orderNumber, 0));
    book.put('bc', company, orderNumber, bcMirror(company, fo.fields));
    book.put('dataverse', company, orderNumber, dvMirror(company, fo.fields));
  };
  seed('USMF', 'SO-1');
  const tokens = new TokenIssuer({ tenant: 't', clientId: 'c', clientSecret: 's', lifetimeSeconds: 3600, now });
  const writers = new BackgroundWriters(book, createRng(2), now, {});
  const svc = new Service({
    url: 'http://sim',
    tenant: 't',
    book,
    tokens,
    writers,
    script: new FaultScript(),
    fo: { book, schema: foSchema(false), url: 'http://sim', conflictForm: '412', conflictRng: createRng(3) },
    bc: { book, url: 'http://sim' },
    dv: { book, url: 'http://sim' },
    autoCreate: o.autoCreate ?? false,
    batch: () => o.batch ?? true,
    rules: () => LENIENT_SERVER,
    idRng: createRng(4),
    now,
    seed,
  });
  const token = JSON.parse(tokens.issue('t', { method: 'POST', target: '', headers: {}, body: 'grant_type=client_credentials&client_id=c&client_secret=s&scope=x' }).body).access_token as string;
  const call = (method: string, target: string, extras: Parameters<Service['dispatch']>[2] = {}, more: Partial<SimRequest> = {}) => {
    const request: SimRequest = { method, target, headers: { authorization: `Bearer ${token}`, ...more.headers }, body: more.body ?? '' };
    return svc.dispatch(request, route(target), extras);
  };
  return { svc, book, call, writers };
}

const FO_ORDER = "/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-1')";
const error = (r: { body: string }) => (JSON.parse(r.body) as { error: { code: string; message: string } }).error;

describe('Service: one request to the handler of its flavour', () => {
  it('checks the bearer token first, with a challenge saying why; parts of a batch were checked on the batch', () => {
    const { svc, call } = service();
    const missing = svc.dispatch({ method: 'GET', target: FO_ORDER, headers: {}, body: '' }, route(FO_ORDER), {});
    expect(missing.status).toBe(401);
    expect(missing.headers['WWW-Authenticate']).toBe('Bearer authorization_uri="http://sim/t/oauth2/authorize"');
    const invalid = call('GET', FO_ORDER, {}, { headers: { authorization: 'Bearer nope' } });
    expect(invalid.headers['WWW-Authenticate']).toMatch(/error="invalid_token", error_description="The access token is invalid"/);
    const bc = call('GET', `/api/v2.0/companies(${companyGuid('USMF')})`, {}, { headers: { authorization: 'Bearer nope' } });
    expect(error(bc).code).toBe('Authentication_InvalidCredentials');
    expect(svc.dispatch({ method: 'GET', target: FO_ORDER, headers: {}, body: '' }, route(FO_ORDER), { inBatch: true }).status).toBe(200);
    expect(call('GET', FO_ORDER).status).toBe(200);
  });

  it('refuses a method a resource does not support, in each flavour\'s words', () => {
    const { call } = service();
    expect(call('DELETE', FO_ORDER)).toMatchObject({ status: 405 });
    expect(error(call('DELETE', FO_ORDER)).message).toBe("The requested resource does not support http method 'DELETE'.");
    expect(error(call('PATCH', `/api/v2.0/companies(${companyGuid('USMF')})/salesOrders`)).code).toBe('BadRequest_MethodNotAllowed');
    expect(call('POST', '/data/$metadata').status).toBe(405);
  });

  it('unknown paths are 404 in each flavour\'s form; nothing of ours is 404 without a flavour', () => {
    const { call } = service();
    expect(error(call('GET', '/data/Customers')).message).toBe("Resource not found for the segment 'Customers'.");
    expect(error(call('GET', '/api/data/v9.2/accounts')).code).toBe('0x8006088a');
    expect(error(call('GET', '/elsewhere')).message).toBe("No HTTP resource was found that matches the request URI '/elsewhere'.");
    expect(error(call('GET', "/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-404')")).message).toMatch(/SalesOrderHeadersV2/);
  });

  it('$batch: refused nested in a batch, and 501 where the server takes none', () => {
    const batch = { headers: { 'content-type': 'multipart/mixed; boundary=b' }, body: '--b--' };
    expect(error(service().call('POST', '/data/$batch', { inBatch: true }, batch)).message).toBe('A $batch request cannot be nested inside another $batch.');
    expect(service({ batch: false }).call('POST', '/data/$batch', {}, batch)).toMatchObject({ status: 501 });
    expect(service().call('POST', '/data/$batch', {}, batch).status).toBe(200);
  });

  it('demo mode creates an order asked for by GET in every flavour; otherwise it is not found', () => {
    const demo = service({ autoCreate: true });
    expect(demo.call('GET', "/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-NEW')").status).toBe(200);
    expect(demo.book.get('bc', 'USMF', 'SO-NEW')).toBeDefined();
    expect(demo.call('PATCH', "/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-NONE')", {}, { body: '{}' }).status).toBe(404);
    const real = service();
    expect(real.call('GET', "/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-NEW')").status).toBe(404);
  });

  it('a scripted background write lands just before the request is handled; ETags can be stripped', () => {
    const { call, book } = service();
    const r = call('GET', `${FO_ORDER}?$select=SalesOrderName`, { writerFields: { SalesOrderName: 'the warehouse' } });
    const body = JSON.parse(r.body);
    expect(body.SalesOrderName).toBe('the warehouse');
    expect(body['@odata.etag']).toBe(book.get('fo', 'USMF', 'SO-1')!.etag);
    expect(book.writeLog.map((w) => w.by)).toEqual(['writer']);
    const stripped = call('GET', FO_ORDER, { stripEtags: true });
    expect(stripped.headers.ETag).toBeUndefined();
    expect(JSON.parse(stripped.body)['@odata.etag']).toBeUndefined();
  });

  it('background writers on a timer go where clients are: the flavours used are noted', () => {
    const { call, writers } = service();
    call('GET', "/api/data/v9.2/salesorders?$filter=ordernumber eq 'SO-1'");
    expect([...writers.clientFlavours]).toEqual(['dataverse']);
    writers.stop();
  });
});
