import { ODataSyntaxError, parseEqualityFilter, parseKeyPredicate, parseSegment, splitPath, type KeyPredicate } from './odata-syntax.ts';
import { FO_ENTITY_SET } from './fo-entity.ts';

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
  /** the URL names nothing the simulator serves */
  | { kind: 'not-found'; flavour: 'fo' | 'bc' | 'none'; segment: string }
  | { kind: 'bad-request'; flavour: 'fo' | 'bc' | 'none'; message: string };

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

/** The order number a BC `$filter=number eq '…'` looks up, so writers can target it. */
function filteredNumber(query: URLSearchParams): string | undefined {
  const filter = query.get('$filter');
  if (!filter) return undefined;
  try {
    const clause = parseEqualityFilter(filter).find((c) => c.property === 'number');
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
  try {
    if (first === 'data') return foRoute(segments.slice(1), query);
    if (first === 'api' && second === 'v2.0') return bcRoute(segments.slice(2), query);
  } catch (error) {
    if (error instanceof ODataSyntaxError) return { kind: 'bad-request', flavour: first === 'data' ? 'fo' : 'bc', message: error.message };
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
  if (entity.predicate === undefined) return { kind: 'bc-orders', companyId, query, orderNumber: filteredNumber(query) };
  const orderId = guidKey(parseKeyPredicate(entity.predicate));
  if (!orderId) return { kind: 'bad-request', flavour: 'bc', message: `'${entity.predicate}' is not a valid salesOrder id.` };
  return { kind: 'bc-order', companyId, orderId, query };
}
