import { describe, expect, it } from 'vitest';
import { bcCompanies, bcListOrders, bcPatchOrder, companyNamed, type BcContext } from '../../../core/simulator/bc-api.ts';
import { bcMirror, companyGuid, SHIPMENT_METHODS } from '../../../core/simulator/bc-entity.ts';
import { defaultFoOrder } from '../../../core/simulator/fo-entity.ts';
import type { SimRequest } from '../../../core/simulator/http-message.ts';
import { OrderBook } from '../../../core/simulator/order-book.ts';
import { createRng } from '../../../core/simulator/rng.ts';

function bc() {
  const book = new OrderBook(createRng(1), () => Date.UTC(2026, 10, 22), { bc: { id: 'id', modified: 'lastModifiedDateTime' } });
  const ctx: BcContext = { book, url: 'http://sim' };
  for (let i = 1; i <= 3; i++) book.put('bc', 'CRONUS', `SO-${i}`, bcMirror('CRONUS', defaultFoOrder('CRONUS', `SO-${i}`, i)));
  return { ctx, book, company: companyGuid('CRONUS'), order: book.get('bc', 'CRONUS', 'SO-1')! };
}

const patch = (body: unknown, headers: Record<string, string> = {}): SimRequest => ({ method: 'PATCH', target: '/', headers, body: JSON.stringify(body) });
const error = (r: { body: string }) => (JSON.parse(r.body) as { error: { code: string; message: string } }).error;

describe('bcPatchOrder: Business Central\'s rules for a write', () => {
  it('insists on If-Match (400 BadRequest_InvalidToken); a stale one is 409 Request_EntityChanged', () => {
    const { ctx, company, order, book } = bc();
    expect(error(bcPatchOrder(ctx, company, order, patch({ status: 'Open' })))).toMatchObject({ code: 'BadRequest_InvalidToken' });
    expect(error(bcPatchOrder(ctx, company, order, patch({ status: 'Open' }, { 'if-match': '  ' })))).toMatchObject({ code: 'BadRequest_InvalidToken' });
    const stale = bcPatchOrder(ctx, company, order, patch({ status: 'Open' }, { 'if-match': 'W/"old"' }));
    expect(stale.status).toBe(409);
    expect(error(stale)).toEqual({ code: 'Request_EntityChanged', message: 'Another user has already changed the record.' });
    expect(book.writeLog).toEqual([]);
  });

  it('a good write answers 200 with the entity and its new ETag', () => {
    const { ctx, company, order } = bc();
    const r = bcPatchOrder(ctx, company, order, patch({ status: 'Open' }, { 'if-match': order.etag }));
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ '@odata.etag': r.headers.ETag, number: 'SO-1', status: 'Open' });
    expect(body['@odata.etag']).not.toBe(order.etag);
    expect(Date.parse(body.lastModifiedDateTime)).not.toBeNaN();
  });

  it('read-only fields: the same value is dropped, another refused; an unknown shipment method is refused', () => {
    const { ctx, company, order } = bc();
    const h = { 'if-match': order.etag };
    expect(bcPatchOrder(ctx, company, order, patch({ number: 'so-1', status: 'Open' }, h)).status).toBe(200);
    const fresh = ctx.book.get('bc', 'CRONUS', 'SO-1')!;
    expect(error(bcPatchOrder(ctx, company, fresh, patch({ number: 'SO-9' }, { 'if-match': fresh.etag })))).toMatchObject({ code: 'BadRequest_MethodNotAllowed' });
    const unknown = bcPatchOrder(ctx, company, fresh, patch({ shipmentMethodId: '00000000-0000-4000-8000-000000000000' }, { 'if-match': fresh.etag }));
    expect(error(unknown)).toMatchObject({ code: 'Internal_RecordNotFound', message: expect.stringContaining('Shipment Method') });
    expect(bcPatchOrder(ctx, company, fresh, patch({ shipmentMethodId: SHIPMENT_METHODS[2]!.id }, { 'if-match': fresh.etag })).status).toBe(200);
  });
});

describe('companies and order lists', () => {
  it('a company id names a company that has orders; the companies list filters by name without case', () => {
    const { ctx, company } = bc();
    expect(companyNamed(ctx.book, company.toUpperCase())).toBe('CRONUS');
    expect(companyNamed(ctx.book, companyGuid('OTHER'))).toBeUndefined();
    expect(JSON.parse(bcCompanies(ctx, new URLSearchParams("$filter=name eq 'cronus'")).body).value.map((c: { id: string }) => c.id)).toEqual([company]);
    expect(JSON.parse(bcCompanies(ctx, new URLSearchParams("$filter=name eq 'none'")).body).value).toEqual([]);
    expect(bcCompanies(ctx, new URLSearchParams("$filter=startswith(name,'C')")).status).toBe(400);
  });

  it('orders by number, or all with $top and $skip; an unsupported option is refused', () => {
    const { ctx, company } = bc();
    const one = JSON.parse(bcListOrders(ctx, company, 'CRONUS', new URLSearchParams("$filter=number eq 'SO-2'&$select=number"), 'SO-2').body);
    expect(one.value).toEqual([{ '@odata.etag': expect.any(String), id: expect.any(String), number: 'SO-2' }]);
    const page = JSON.parse(bcListOrders(ctx, company, 'CRONUS', new URLSearchParams('$top=1&$skip=1&$select=number')).body);
    expect(page.value.map((o: { number: string }) => o.number)).toEqual(['SO-2']);
    expect(bcListOrders(ctx, company, 'CRONUS', new URLSearchParams('$orderby=number')).status).toBe(400);
  });
});
