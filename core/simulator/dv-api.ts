import { DV_ENTITY_SET, DV_SALES_ORDER, dvStateError } from './dv-entity.ts';
import { checkPatchBody, csdl, property } from './entity-schema.ts';
import { ifMatchAllows } from './fo-api.ts';
import { header, jsonResponse, noContent, odataError, type SimRequest, type SimResponse } from './http-message.ts';
import { checkOptions, filterPredicate, nonNegativeInteger, represent, selection } from './query-options.ts';
import type { OrderBook, StoredOrder } from './order-book.ts';

/**
 * Dataverse Web API v9.2 (Dynamics 365 Sales `salesorders`): one organisation, no companies;
 * an order is found by its id, by the `ordernumber` alternate key or with a $filter.
 */
export interface DvContext {
  book: OrderBook;
  /** the environment URL, e.g. http://127.0.0.1:PORT */
  url: string;
}

export const DV_SERVICE_PATH = '/api/data/v9.2';

/** Dataverse's errors carry a hexadecimal platform code. */
function dvError(status: number, code: string, message: string): SimResponse {
  return odataError(status, message, { code });
}

export function dvNotFound(segment: string): SimResponse {
  return dvError(404, '0x8006088a', `Resource not found for the segment '${segment}'.`);
}

export function dvBadRequest(message: string): SimResponse {
  return dvError(400, '0x80060888', message);
}

export function dvOrderNotFound(by: DvOrderRef): SimResponse {
  return 'id' in by
    ? dvError(404, '0x80040217', `salesorder With Id = ${by.id} Does Not Exist`)
    : dvError(404, '0x80040217', 'A record with the specified key values does not exist in salesorder entity');
}

export type DvOrderRef = { id: string } | { orderNumber: string };

/** Orders are stored per company; Dataverse sees one organisation, so any company's order answers. */
export function dvFind(book: OrderBook, by: DvOrderRef): StoredOrder | undefined {
  for (const company of book.companies()) {
    const found = 'id' in by ? book.findById('dataverse', company, by.id) : book.get('dataverse', company, by.orderNumber);
    if (found) return found;
  }
  return undefined;
}

function contextUrl(ctx: DvContext, select: string[] | undefined, suffix: string): string {
  const projection = select ? `(${select.join(',')})` : '';
  return `${ctx.url}${DV_SERVICE_PATH}/$metadata#${DV_ENTITY_SET}${projection}${suffix}`;
}

export function dvGetOrder(ctx: DvContext, order: StoredOrder, query: URLSearchParams): SimResponse {
  const unsupported = checkOptions(query, ['$select', '$expand']);
  if (unsupported) return dvBadRequest(unsupported);
  const select = selection(DV_SALES_ORDER, query);
  if (!select.ok) return dvBadRequest(select.message);
  // the ETag travels in the body only, as @odata.etag
  return jsonResponse(200, { '@odata.context': contextUrl(ctx, select.value, '/$entity'), ...represent(DV_SALES_ORDER, order.fields, order.etag, select.value) });
}

export function dvListOrders(ctx: DvContext, query: URLSearchParams, orderNumber: string | undefined): SimResponse {
  const unsupported = checkOptions(query, ['$select', '$filter', '$top', '$count', '$expand']);
  if (unsupported) return dvBadRequest(unsupported);
  const select = selection(DV_SALES_ORDER, query);
  if (!select.ok) return dvBadRequest(select.message);
  const filter = filterPredicate(DV_SALES_ORDER, query);
  if (!filter.ok) return dvBadRequest(filter.message);
  const top = nonNegativeInteger(query, '$top');
  if (!top.ok) return dvBadRequest(top.message);
  const candidates = orderNumber === undefined ? ctx.book.list('dataverse') : [dvFind(ctx.book, { orderNumber })].filter((o) => o !== undefined);
  const matching = candidates.filter((o) => filter.value(o.fields));
  const page = top.value === undefined ? matching.slice(0, 5000) : matching.slice(0, top.value);
  return jsonResponse(200, {
    '@odata.context': contextUrl(ctx, select.value, ''),
    value: page.map((o) => represent(DV_SALES_ORDER, o.fields, o.etag, select.value)),
  });
}

export function dvPatchOrder(ctx: DvContext, order: StoredOrder, request: SimRequest): SimResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    return dvBadRequest('Syntax error: the request body is not valid JSON.');
  }
  const checked = checkPatchBody(DV_SALES_ORDER, parsed);
  if (!checked.ok) return dvBadRequest(checked.message);
  for (const name of Object.keys(checked.fields)) {
    if (property(DV_SALES_ORDER, name)?.readOnly) return dvError(400, '0x80048d19', `The '${name}' property is not valid for update.`);
  }
  if (!ifMatchAllows(header(request.headers, 'if-match'), order.etag)) {
    return dvError(412, '0x80060882', "The version of the existing record doesn't match the RowVersion property provided.");
  }
  const closed = dvStateError(order.fields.statecode, checked.fields.statecode);
  if (closed) return dvError(400, '0x80043507', closed);
  const updated = ctx.book.write(order, checked.fields, 'client');
  const entityId = `${ctx.url}${DV_SERVICE_PATH}/${DV_ENTITY_SET}(${String(updated.fields.salesorderid)})`;
  if (/return=representation/i.test(header(request.headers, 'prefer') ?? '')) {
    const body = { '@odata.context': contextUrl(ctx, undefined, '/$entity'), ...represent(DV_SALES_ORDER, updated.fields, updated.etag, undefined) };
    return jsonResponse(200, body, { 'OData-EntityId': entityId, 'Preference-Applied': 'return=representation' });
  }
  return noContent({ 'OData-EntityId': entityId });
}

export function dvMetadata(): SimResponse {
  return { status: 200, headers: { 'Content-Type': 'application/xml', 'OData-Version': '4.0' }, body: csdl(DV_SALES_ORDER, 'System') };
}

export function dvServiceDocument(ctx: DvContext): SimResponse {
  return jsonResponse(200, {
    '@odata.context': `${ctx.url}${DV_SERVICE_PATH}/$metadata`,
    value: [{ name: DV_ENTITY_SET, kind: 'EntitySet', url: DV_ENTITY_SET }],
  });
}
