import { BC_SALES_ORDER, SHIPMENT_METHODS, companyGuid } from './bc-entity.ts';
import { checkPatchBody, csdl, property } from './entity-schema.ts';
import { ifMatchAllows } from './fo-api.ts';
import { header, jsonResponse, odataError, type SimRequest, type SimResponse } from './http-message.ts';
import { checkOptions, filterPredicate, nonNegativeInteger, represent, selection } from './query-options.ts';
import type { OrderBook, StoredOrder } from './order-book.ts';

export interface BcContext {
  book: OrderBook;
  url: string;
}

export function bcBadRequest(message: string, code = 'BadRequest'): SimResponse {
  return odataError(400, message, { code });
}

export function bcNotFound(segment: string): SimResponse {
  return odataError(404, `No HTTP resource was found that matches the request URI '${segment}'.`, { code: 'BadRequest_NotFound' });
}

export function bcOrderNotFound(id: string): SimResponse {
  return odataError(404, `The Sales Header does not exist. Identification fields and values: Document Type='Order',Id='${id}'`, {
    code: 'Internal_RecordNotFound',
  });
}

/** The company name behind a BC company id, among the companies that have orders. */
export function companyNamed(book: OrderBook, companyId: string): string | undefined {
  return book.companies().find((c) => companyGuid(c) === companyId.toLowerCase());
}

export function bcCompanyNotFound(companyId: string): SimResponse {
  return odataError(404, `The Company does not exist. Identification fields and values: Id='${companyId}'`, {
    code: 'Internal_CompanyNotFound',
  });
}

function entityContext(ctx: BcContext, companyId: string, suffix: string): string {
  return `${ctx.url}/api/v2.0/$metadata#companies(${companyId})/salesOrders${suffix}`;
}

export function bcFindById(book: OrderBook, company: string, orderId: string): StoredOrder | undefined {
  return book.findById('bc', company, orderId);
}

export function bcGetOrder(ctx: BcContext, companyId: string, order: StoredOrder, query: URLSearchParams): SimResponse {
  const unsupported = checkOptions(query, ['$select', '$expand', '$format']);
  if (unsupported) return bcBadRequest(unsupported);
  const select = selection(BC_SALES_ORDER, query);
  if (!select.ok) return bcBadRequest(select.message);
  const body = { '@odata.context': entityContext(ctx, companyId, '/$entity'), ...represent(BC_SALES_ORDER, order.fields, order.etag, select.value) };
  return jsonResponse(200, body, { ETag: order.etag });
}

/** `orderNumber`: the filter names one order by number, so only it can match (and no scan is needed). */
export function bcListOrders(ctx: BcContext, companyId: string, company: string, query: URLSearchParams, orderNumber?: string): SimResponse {
  const unsupported = checkOptions(query, ['$select', '$filter', '$top', '$skip', '$expand', '$format']);
  if (unsupported) return bcBadRequest(unsupported);
  const select = selection(BC_SALES_ORDER, query);
  if (!select.ok) return bcBadRequest(select.message);
  const filter = filterPredicate(BC_SALES_ORDER, query);
  if (!filter.ok) return bcBadRequest(filter.message);
  const top = nonNegativeInteger(query, '$top');
  if (!top.ok) return bcBadRequest(top.message);
  const skip = nonNegativeInteger(query, '$skip');
  if (!skip.ok) return bcBadRequest(skip.message);
  const candidates = orderNumber === undefined ? ctx.book.list('bc', company) : [ctx.book.get('bc', company, orderNumber)].filter((o) => o !== undefined);
  const matching = candidates.filter((o) => filter.value(o.fields));
  const start = skip.value ?? 0;
  const page = matching.slice(start, top.value === undefined ? undefined : start + top.value);
  return jsonResponse(200, {
    '@odata.context': entityContext(ctx, companyId, ''),
    value: page.map((o) => represent(BC_SALES_ORDER, o.fields, o.etag, select.value)),
  });
}

export function bcPatchOrder(ctx: BcContext, companyId: string, order: StoredOrder, request: SimRequest): SimResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    return bcBadRequest('Invalid Request Body: the request body is not valid JSON.', 'BadRequest_InvalidRequestBody');
  }
  const checked = checkPatchBody(BC_SALES_ORDER, parsed);
  if (!checked.ok) return bcBadRequest(checked.message);
  const ifMatch = header(request.headers, 'if-match');
  // unlike F&O, Business Central insists on a concurrency token for every write
  if (ifMatch === undefined || ifMatch.trim() === '') {
    return bcBadRequest(
      'Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.',
      'BadRequest_InvalidToken',
    );
  }
  if (!ifMatchAllows(ifMatch, order.etag)) {
    return odataError(409, 'Another user has already changed the record.', { code: 'Request_EntityChanged' });
  }
  const fields = checked.fields;
  for (const name of Object.keys(fields)) {
    if (property(BC_SALES_ORDER, name)?.readOnly) {
      if (String(fields[name]).toLowerCase() === String(order.fields[name]).toLowerCase()) {
        delete fields[name];
        continue;
      }
      return bcBadRequest(`The property '${name}' is read-only and cannot be modified.`, 'BadRequest_MethodNotAllowed');
    }
  }
  const method = fields.shipmentMethodId;
  if (method !== undefined && !SHIPMENT_METHODS.some((m) => m.id === method)) {
    return bcBadRequest(
      `The field Shipment Method Code of table Sales Header contains a value (${String(method)}) that cannot be found in the related table (Shipment Method).`,
      'Internal_RecordNotFound',
    );
  }
  const updated = ctx.book.write(order, fields, 'client');
  const body = { '@odata.context': entityContext(ctx, companyId, '/$entity'), ...represent(BC_SALES_ORDER, updated.fields, updated.etag, undefined) };
  return jsonResponse(200, body, { ETag: updated.etag });
}

export function companyRow(name: string): Record<string, string | number> {
  return {
    id: companyGuid(name),
    systemVersion: '24.0.16410.18056',
    timestamp: 0,
    name,
    displayName: name,
    businessProfileId: '',
    systemCreatedAt: '2026-01-01T00:00:00Z',
    systemCreatedBy: '00000000-0000-0000-0000-000000000001',
    systemModifiedAt: '2026-01-01T00:00:00Z',
    systemModifiedBy: '00000000-0000-0000-0000-000000000001',
  };
}

export function bcCompanies(ctx: BcContext, query: URLSearchParams): SimResponse {
  const rows = ctx.book.companies().map(companyRow);
  let value = rows;
  const filter = query.get('$filter');
  if (filter) {
    const m = /^\s*(name|displayName|id)\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(filter);
    if (!m) return bcBadRequest(`The simulator understands only "name eq '…'" in a companies $filter: '${filter}'.`);
    const wanted = (m[2] as string).replace(/''/g, "'").toLowerCase();
    value = rows.filter((r) => String(r[m[1] as 'name' | 'displayName' | 'id']).toLowerCase() === wanted);
  }
  return jsonResponse(200, { '@odata.context': `${ctx.url}/api/v2.0/$metadata#companies`, value });
}

export function bcShipmentMethods(ctx: BcContext, companyId: string): SimResponse {
  return jsonResponse(200, {
    '@odata.context': `${ctx.url}/api/v2.0/$metadata#companies(${companyId})/shipmentMethods`,
    value: SHIPMENT_METHODS.map((m) => ({
      '@odata.etag': `W/"${Buffer.from(`'36;${m.code}1;00;'`).toString('base64')}"`,
      id: m.id,
      code: m.code,
      displayName: m.displayName,
      lastModifiedDateTime: '2026-01-01T00:00:00Z',
    })),
  });
}

export function bcMetadata(): SimResponse {
  return { status: 200, headers: { 'Content-Type': 'application/xml', 'OData-Version': '4.0' }, body: csdl(BC_SALES_ORDER, 'NAV') };
}
