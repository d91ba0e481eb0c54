import { describe, expect, it } from 'vitest';
import { foCollection, foConflict, foGetOrder, foPatchOrder, ifMatchAllows, type FoContext } from '../../../core/simulator/fo-api.ts';
import { defaultFoOrder, FO_MODIFIED_FIELD, foSchema, UPDATE_CONFLICT_MESSAGE } from '../../../core/simulator/fo-entity.ts';
import type { SimRequest } from '../../../core/simulator/http-message.ts';
import { OrderBook } from '../../../core/simulator/order-book.ts';
import { createRng } from '../../../core/simulator/rng.ts';

function fo(o: Partial<FoContext> & { modified?: boolean } = {}) {
  const book = new OrderBook(createRng(1), () => Date.UTC(2026, 10, 22), { fo: o.modified ? { modified: FO_MODIFIED_FIELD } : {} });
  const ctx: FoContext = { book, schema: foSchema(o.modified ?? false), url: 'http://sim', conflictForm: '412', conflictRng: createRng(2), ...o };
  const order = book.put('fo', 'usmf', 'SO-1', defaultFoOrder('usmf', 'SO-1', 0));
  return { ctx, book, order };
}

const patch = (body: unknown, headers: Record<string, string> = {}): SimRequest => ({ method: 'PATCH', target: '/', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const error = (r: { body: string }) => (JSON.parse(r.body) as { error: { message: string; innererror?: { message: string; type: string } } }).error;

describe('ifMatchAllows', () => {
  it('no header is an unconditional write on F&O; * matches anything; otherwise one of the listed tags, exactly', () => {
    const etag = 'W/"JzEsNTYz,Nzfa"';
    expect(ifMatchAllows(undefined, etag)).toBe(true);
    expect(ifMatchAllows(' * ', etag)).toBe(true);
    expect(ifMatchAllows(etag, etag)).toBe(true);
    expect(ifMatchAllows(`W/"other", ${etag}`, etag)).toBe(true);
    expect(ifMatchAllows('W/"JzEsNTYz"', etag)).toBe(false);
    expect(ifMatchAllows('"JzEsNTYz,Nzfa"', etag)).toBe(false);
  });
});

describe('foPatchOrder', () => {
  it('a current If-Match writes, logged as the client, answered 204 with the new ETag', () => {
    const { ctx, book, order } = fo();
    const r = foPatchOrder(ctx, order, patch({ DeliveryModeCode: '30' }, { 'if-match': order.etag }));
    expect(r.status).toBe(204);
    const now = book.get('fo', 'USMF', 'SO-1')!;
    expect(r.headers.ETag).toBe(now.etag);
    expect(now.fields.DeliveryModeCode).toBe('30');
    expect(book.writeLog.map((w) => w.by)).toEqual(['client']);
  });

  it('a stale If-Match is 412, or the AOS\'s 500 "update conflict", as the environment is set; nothing is written', () => {
    for (const conflictForm of ['412', 'fo-500'] as const) {
      const { ctx, book, order } = fo({ conflictForm });
      const r = foPatchOrder(ctx, order, patch({ DeliveryModeCode: '30' }, { 'if-match': 'W/"stale"' }));
      expect(r.status).toBe(conflictForm === '412' ? 412 : 500);
      if (conflictForm === 'fo-500') expect(error(r).innererror).toMatchObject({ message: UPDATE_CONFLICT_MESSAGE, type: expect.stringContaining('AxODataWriteException') });
      expect(book.writeLog).toEqual([]);
    }
    const mixed = fo({ conflictForm: 'mixed' });
    const statuses = new Set(Array.from({ length: 40 }, () => foConflict(mixed.ctx).status));
    expect([...statuses].sort()).toEqual([412, 500]);
  });

  it('refuses before writing: malformed JSON, unknown fields, key changes, system fields, closed statuses', () => {
    const { ctx, book, order } = fo({ modified: true });
    const cases: [SimRequest, RegExp][] = [
      [patch('{"DeliveryModeCode":'), /The request body is not valid JSON/],
      [patch({ Nope: 1 }), /The property 'Nope' does not exist/],
      [patch({ SalesOrderNumber: 'SO-2' }), /The key field 'SalesOrderNumber' cannot be changed \(from 'SO-1' to 'SO-2'\)/],
      [patch({ [FO_MODIFIED_FIELD]: '2027-01-01T00:00:00Z' }), /maintained by the system/],
    ];
    for (const [request, message] of cases) {
      const r = foPatchOrder(ctx, order, request);
      expect(r.status, message.source).toBe(400);
      expect(error(r).message).toMatch(message);
    }
    const closed = book.write(order, { SalesOrderStatus: 'Invoiced' }, 'writer');
    expect(error(foPatchOrder(ctx, closed, patch({ SalesOrderStatus: 'Backorder' }))).innererror!.message).toMatch(/cannot be changed from status Invoiced/);
    expect(book.writeLog.map((w) => w.by)).toEqual(['writer']);
  });

  it('repeating a key with its own value (any case) is harmless', () => {
    const { ctx, order } = fo();
    expect(foPatchOrder(ctx, order, patch({ dataAreaId: 'USMF', DeliveryModeCode: '20' })).status).toBe(204);
  });

  it('Prefer: return=representation answers 200 with the whole entity', () => {
    const { ctx, order } = fo();
    const r = foPatchOrder(ctx, order, patch({ DeliveryModeCode: '20' }, { prefer: 'return=representation' }));
    expect(r.status).toBe(200);
    expect(r.headers['Preference-Applied']).toBe('return=representation');
    expect(JSON.parse(r.body)).toMatchObject({ '@odata.etag': r.headers.ETag, DeliveryModeCode: '20', SalesOrderNumber: 'SO-1' });
  });
});

describe('foGetOrder and foCollection', () => {
  it('GET: the keys and the selected fields, the ETag in body and header, a projection in the context', () => {
    const { ctx, order } = fo();
    const r = foGetOrder(ctx, order, new URLSearchParams('$select=DeliveryModeCode'));
    const body = JSON.parse(r.body);
    expect(body).toEqual({ '@odata.context': 'http://sim/data/$metadata#SalesOrderHeadersV2(dataAreaId,SalesOrderNumber,DeliveryModeCode)/$entity', '@odata.etag': order.etag, dataAreaId: 'usmf', SalesOrderNumber: 'SO-1', DeliveryModeCode: '10' });
    expect(r.headers.ETag).toBe(order.etag);
    expect(foGetOrder(ctx, order, new URLSearchParams('$expand=Lines')).status).toBe(400);
  });

  it('a collection filters, skips, counts and pages at 10,000 rows with a next link', () => {
    const { ctx, book } = fo();
    for (let i = 2; i <= 10_005; i++) book.put('fo', 'usmf', `SO-${i}`, { ...defaultFoOrder('usmf', `SO-${i}`, i), DeliveryModeCode: i % 2 ? '30' : '10' });
    const page = JSON.parse(foCollection(ctx, new URLSearchParams('$count=true&$select=SalesOrderNumber'), '/data/SalesOrderHeadersV2').body);
    expect(page['@odata.count']).toBe(10_005);
    expect(page.value).toHaveLength(10_000);
    expect(page['@odata.nextLink']).toBe('http://sim/data/SalesOrderHeadersV2?%24count=true&%24select=SalesOrderNumber&%24skip=10000');
    const last = JSON.parse(foCollection(ctx, new URLSearchParams('$skip=10000'), '/data/SalesOrderHeadersV2').body);
    expect(last.value).toHaveLength(5);
    expect(last['@odata.nextLink']).toBeUndefined();
    const filtered = JSON.parse(foCollection(ctx, new URLSearchParams("$filter=DeliveryModeCode eq '30'&$top=3&$skip=1"), '/x').body);
    expect(filtered.value.map((r: { SalesOrderNumber: string }) => r.SalesOrderNumber)).toEqual(['SO-5', 'SO-7', 'SO-9']);
    expect(foCollection(ctx, new URLSearchParams('$orderby=SalesOrderNumber'), '/x').status).toBe(400);
  });
});
