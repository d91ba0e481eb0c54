import { describe, expect, it } from 'vitest';
import { dvFind, dvGetOrder, dvListOrders, dvOrderNotFound, dvPatchOrder, type DvContext } from '../../../core/simulator/dv-api.ts';
import { DV_STATES, dvMirror } from '../../../core/simulator/dv-entity.ts';
import { defaultFoOrder } from '../../../core/simulator/fo-entity.ts';
import type { SimRequest } from '../../../core/simulator/http-message.ts';
import { OrderBook } from '../../../core/simulator/order-book.ts';
import { createRng } from '../../../core/simulator/rng.ts';

function dv() {
  const book = new OrderBook(createRng(1), () => Date.UTC(2026, 10, 22), { dataverse: { id: 'salesorderid', modified: 'modifiedon' } });
  const ctx: DvContext = { book, url: 'http://sim' };
  book.put('dataverse', 'USMF', 'SO-1', dvMirror('USMF', defaultFoOrder('USMF', 'SO-1', 0)));
  book.put('dataverse', 'DEMF', 'SO-2', dvMirror('DEMF', defaultFoOrder('DEMF', 'SO-2', 1)));
  return { ctx, book, order: book.get('dataverse', 'USMF', 'SO-1')! };
}

const patch = (body: unknown, headers: Record<string, string> = {}): SimRequest => ({ method: 'PATCH', target: '/', headers, body: JSON.stringify(body) });
const error = (r: { body: string }) => (JSON.parse(r.body) as { error: { code: string; message: string } }).error;

describe('Dataverse salesorders', () => {
  it('one organisation: an order is found by number or id whatever company it was seeded in', () => {
    const { book } = dv();
    expect(dvFind(book, { orderNumber: 'so-2' })?.company).toBe('DEMF');
    const id = String(book.get('dataverse', 'DEMF', 'SO-2')!.fields.salesorderid);
    expect(dvFind(book, { id: id.toUpperCase() })?.orderNumber).toBe('SO-2');
    expect(dvFind(book, { orderNumber: 'SO-9' })).toBeUndefined();
    expect(error(dvOrderNotFound({ id: 'x' }))).toEqual({ code: '0x80040217', message: 'salesorder With Id = x Does Not Exist' });
  });

  it('the ETag travels in the body only', () => {
    const { ctx, order } = dv();
    const r = dvGetOrder(ctx, order, new URLSearchParams('$select=name'));
    expect(r.headers.ETag).toBeUndefined();
    expect(JSON.parse(r.body)['@odata.etag']).toBe(order.etag);
  });

  it('a stale If-Match is 412 with the platform code; a good one 204 with the entity id', () => {
    const { ctx, order, book } = dv();
    const stale = dvPatchOrder(ctx, order, patch({ name: 'x' }, { 'if-match': 'W/"1"' }));
    expect(stale.status).toBe(412);
    expect(error(stale).code).toBe('0x80060882');
    const ok = dvPatchOrder(ctx, order, patch({ name: 'x' }, { 'if-match': order.etag }));
    expect(ok.status).toBe(204);
    expect(ok.headers['OData-EntityId']).toBe(`http://sim/api/data/v9.2/salesorders(${String(order.fields.salesorderid)})`);
    expect(book.get('dataverse', 'USMF', 'SO-1')!.fields.modifiedon).toBeDefined();
  });

  it('refuses read-only fields, option values it lacks, and leaving a closed state', () => {
    const { ctx, order, book } = dv();
    expect(error(dvPatchOrder(ctx, order, patch({ ordernumber: 'SO-9' }))).code).toBe('0x80048d19');
    expect(dvPatchOrder(ctx, order, patch({ shippingmethodcode: 99 })).status).toBe(400);
    const closed = book.write(order, { statecode: DV_STATES.invoiced }, 'writer');
    expect(error(dvPatchOrder(ctx, closed, patch({ statecode: DV_STATES.active })))).toMatchObject({ code: '0x80043507' });
  });

  it('return=representation answers 200 with the entity', () => {
    const { ctx, order } = dv();
    const r = dvPatchOrder(ctx, order, patch({ name: 'y' }, { prefer: 'return=representation' }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ name: 'y', ordernumber: 'SO-1' });
  });

  it('lists by $filter and $top; an unsupported option is refused', () => {
    const { ctx } = dv();
    expect(JSON.parse(dvListOrders(ctx, new URLSearchParams('$top=1&$select=ordernumber'), undefined).body).value).toHaveLength(1);
    expect(JSON.parse(dvListOrders(ctx, new URLSearchParams("$filter=ordernumber eq 'SO-2'"), 'SO-2').body).value.map((o: { ordernumber: string }) => o.ordernumber)).toEqual(['SO-2']);
    expect(dvListOrders(ctx, new URLSearchParams('$skip=1'), undefined).status).toBe(400);
  });
});
