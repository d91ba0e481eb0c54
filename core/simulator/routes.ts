import { ODataSyntaxError, parseEqualityFilter, parseKeyPredicate, parseSegment, splitPath, type KeyPredicate } from './odata-syntax.ts';
import type { DvOrderRef } from './dv-api.ts';
import { DV_ENTITY_SET } from './dv-entity.ts';
import { FO_ENTITY_SET } from './fo-entity.ts';
import type { Flavour } from './types.ts';

/** Where each flavour's OData service root lives on the environment URL. */
export const SERVICE_ROOTS: Readonly<Record<Flavour, string>> = { fo: '/data', bc: '/api/v2.0', dataverse: '/api/data/v9.2' };

export type Route =
  | { kind: 'token'; tenant: string }
  | { kind: 'fo-service' }
  | { kind: 'fo-metadata' }
  | { kind: 'fo-batch' }
  | { kind: 'fo-collection'; query: URLSearchParams }
  | { kind: 'fo-order'; company: string; orderNumber: string; query: URLSearchParams }
  | { kind: 'bc-service' }
  | { kind: 'bc-metadata' }
  | { kind: 'bc-batch' }
  | { kind: 'bc-companies'; query: URLSearchParams }
  | { kind: 'bc-company'; companyId: string; query: URLSearchParams }
  | { kind: 'bc-orders'; companyId: string; query: URLSearchParams; orderNumber: string | undefined }
  | { kind: 'bc-order'; companyId: string; orderId: string; query: URLSearchParams }
  | { kind: 'bc-shipment-methods'; companyId: string; query: URLSearchParams }
  | { kind: 'dv-service' }
  | { kind: 'dv-metadata' }
  | { kind: 'dv-batch' }
  | { kind: 'dv-orders'; query: URLSearchParams; orderNumber: string | undefined }
  | { kind: 'dv-order'; by: DvOrderRef; query: URLSearchParams }
  /** the URL names nothing the simulator serves */
  | { kind: 'not-found'; flavour: Flavour | 'none'; segment: string }
  | { kind: 'bad-request'; flavour: Flavour | 'none'; message: string };

/** The flavour a route belongs to; undefined for the token endpoint and unknown paths. */
export function flavourOf(r: Route): Flavour | undefined {
  if (r.kind === 'not-found' || r.kind === 'bad-request') return r.flavour === 'none' ? undefined : r.flavour;
  if (r.kind.startsWith('fo-')) return 'fo';
  if (r.kind.startsWith('bc-')) return 'bc';
  if (r.kind.startsWith('dv-')) return 'dataverse';
  return undefined;
}

/** Whether the route names one order (a background writer can get there first). */
export function addressesOrder(r: Route): boolean {
  return r.kind === 'fo-order' || r.kind === 'bc-order' || r.kind === 'dv-order' || ((r.kind === 'bc-orders' || r.kind === 'dv-orders') && r.orderNumber !== undefined);
}

export const FO_KEY_MESSAGE =
  "The key in the request URI is not valid for resource 'Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource.";

function guidKey(predicate: KeyPredicate): string | undefined {
  if (predicate.single?.kind === 'guid') return predicate.single.value;
  if (predicate.named.size === 1) {
    const id = predicate.named.get('id');
    if (id?.kind === 'guid') return id.value;
  }
  return undefined;
}

/** The order number a `$filter=number eq '…'` (BC) or `ordernumber eq '…'` (Dataverse) looks up, so writers can target it. */
function filteredNumber(query: URLSearchParams, property: string): string | undefined {
  const filter = query.get('$filter');
  if (!filter) return undefined;
  try {
    const clause = parseEqualityFilter(filter).find((c) => c.property === property);
    return clause?.value.kind === 'string' ? clause.value.value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a request target the way D365 does: the path is percent-decoded as a whole and then
 * split outside quoted literals, so both 'SO%2F1' and a raw 'SO/1' inside quotes address one order.
 */
export function route(target: string): Route {
  const question = target.indexOf('?');
  const rawPath = question < 0 ? target : target.slice(0, question);
  const query = new URLSearchParams(question < 0 ? '' : target.slice(question + 1));
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'bad-request', flavour: 'none', message: `The request URI '${rawPath}' is not validly percent-encoded.` };
  }
  const segments = splitPath(path);
  if (segments[0] === '') segments.shift();
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  const [first, second] = segments;

  if (segments.length === 4 && segments[1] === 'oauth2' && segments[2] === 'v2.0' && segments[3] === 'token') {
    return { kind: 'token', tenant: first ?? '' };
  }
  const flavour: Flavour | undefined =
    first === 'data' ? 'fo' : first === 'api' && second === 'v2.0' ? 'bc' : first === 'api' && second === 'data' && segments[2] === 'v9.2' ? 'dataverse' : undefined;
  try {
    if (flavour === 'fo') return foRoute(segments.slice(1), query);
    if (flavour === 'bc') return bcRoute(segments.slice(2), query);
    if (flavour === 'dataverse') return dvRoute(segments.slice(3), query);
  } catch (error) {
    if (error instanceof ODataSyntaxError) return { kind: 'bad-request', flavour: flavour ?? 'none', message: error.message };
    throw error;
  }
  return { kind: 'not-found', flavour: 'none', segment: path };
}

function foRoute(rest: string[], query: URLSearchParams): Route {
  const [head, ...tail] = rest;
  if (head === undefined || head === '') return { kind: 'fo-service' };
  if (tail.length === 0 && head === '$metadata') return { kind: 'fo-metadata' };
  if (tail.length === 0 && head === '$batch') return { kind: 'fo-batch' };
  const segment = parseSegment(head);
  if (segment.name !== FO_ENTITY_SET) return { kind: 'not-found', flavour: 'fo', segment: segment.name };
  if (tail.length > 0) return { kind: 'not-found', flavour: 'fo', segment: tail[0] ?? '' };
  if (segment.predicate === undefined) return { kind: 'fo-collection', query };
  const key = parseKeyPredicate(segment.predicate);
  const company = key.named.get('dataAreaId');
  const orderNumber = key.named.get('SalesOrderNumber');
  if (key.named.size !== 2 || company?.kind !== 'string' || orderNumber?.kind !== 'string') {
    return { kind: 'bad-request', flavour: 'fo', message: FO_KEY_MESSAGE };
  }
  return { kind: 'fo-order', company: company.value, orderNumber: orderNumber.value, query };
}

function bcRoute(rest: string[], query: URLSearchParams): Route {
  const [head, next, ...tail] = rest;
  if (head === undefined || head === '') return { kind: 'bc-service' };
  if (next === undefined && head === '$metadata') return { kind: 'bc-metadata' };
  if (next === undefined && head === '$batch') return { kind: 'bc-batch' };
  const companies = parseSegment(head);
  if (companies.name !== 'companies') return { kind: 'not-found', flavour: 'bc', segment: companies.name };
  if (companies.predicate === undefined) {
    return next === undefined ? { kind: 'bc-companies', query } : { kind: 'not-found', flavour: 'bc', segment: next };
  }
  const companyId = guidKey(parseKeyPredicate(companies.predicate));
  if (!companyId) return { kind: 'bad-request', flavour: 'bc', message: `'${companies.predicate}' is not a valid company id.` };
  if (next === undefined) return { kind: 'bc-company', companyId, query };
  if (tail.length > 0) return { kind: 'not-found', flavour: 'bc', segment: tail[0] ?? '' };
  const entity = parseSegment(next);
  if (entity.name === 'shipmentMethods' && entity.predicate === undefined) return { kind: 'bc-shipment-methods', companyId, query };
  if (entity.name !== 'salesOrders') return { kind: 'not-found', flavour: 'bc', segment: entity.name };
  if (entity.predicate === undefined) return { kind: 'bc-orders', companyId, query, orderNumber: filteredNumber(query, 'number') };
  const orderId = guidKey(parseKeyPredicate(entity.predicate));
  if (!orderId) return { kind: 'bad-request', flavour: 'bc', message: `'${entity.predicate}' is not a valid salesOrder id.` };
  return { kind: 'bc-order', companyId, orderId, query };
}

function dvRoute(rest: string[], query: URLSearchParams): Route {
  const [head, ...tail] = rest;
  if (head === undefined || head === '') return { kind: 'dv-service' };
  if (tail.length === 0 && head === '$metadata') return { kind: 'dv-metadata' };
  if (tail.length === 0 && head === '$batch') return { kind: 'dv-batch' };
  const segment = parseSegment(head);
  if (segment.name !== DV_ENTITY_SET) return { kind: 'not-found', flavour: 'dataverse', segment: segment.name };
  if (tail.length > 0) return { kind: 'not-found', flavour: 'dataverse', segment: tail[0] ?? '' };
  if (segment.predicate === undefined) return { kind: 'dv-orders', query, orderNumber: filteredNumber(query, 'ordernumber') };
  const key = parseKeyPredicate(segment.predicate);
  const id = key.single ?? (key.named.size === 1 ? key.named.get('salesorderid') : undefined);
  if (id?.kind === 'guid') return { kind: 'dv-order', by: { id: id.value }, query };
  const orderNumber = key.named.get('ordernumber');
  // the organisation is assumed to define ordernumber as an alternate key of salesorder
  if (key.named.size === 1 && orderNumber?.kind === 'string') return { kind: 'dv-order', by: { orderNumber: orderNumber.value }, query };
  return { kind: 'bad-request', flavour: 'dataverse', message: `The key '${segment.predicate}' is not the id or a valid alternate key of entity 'salesorder'.` };
}
