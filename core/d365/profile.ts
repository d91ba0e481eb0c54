import { badInput } from '../errors.ts';
import type { OrderKey } from '../outbox/types.ts';
import { keyPredicate, stringLiteral } from './odata.ts';

export type FieldPolicy = 'ask' | 'ours' | 'theirs';

export type ProfileName = 'fo' | 'bc' | 'dataverse';
export const PROFILE_NAMES: readonly ProfileName[] = ['fo', 'bc', 'dataverse'];

type OrderRef = Pick<OrderKey, 'company' | 'orderNumber'>;

/**
 * What differs between D365 flavours is configuration, not code: where the entity lives,
 * how an order is addressed, what a write conflict looks like, and how $batch is spoken.
 */
export interface EntityProfile {
  name: ProfileName;
  label: string;
  /** OData root below the environment URL */
  servicePath: string;
  entitySet: string;
  /** key: a key predicate (F&O's composite key, Dataverse's alternate key); filter: `$filter=<orderKey> eq '…'`, then the record's id */
  addressing: 'key' | 'filter';
  /** where the company goes: a key field (F&O dataAreaId), a companies(<id>) segment (BC), nowhere (Dataverse: one organisation) */
  companyIn: 'key' | 'path' | 'none';
  /** the key field holding the company, where companyIn is 'key' */
  companyKey: string | null;
  orderKey: string;
  /** the record's own id, by which a record found with a filter is written */
  idField: string | null;
  /** query options every order URL carries, reads and writes (F&O reaches other companies only with cross-company=true) */
  orderQuery: string;
  /** HTTP statuses that mean "someone changed the record since your ETag" */
  concurrencyStatuses: number[];
  /** a 500 whose body contains this (lower case) is the F&O AOS write conflict */
  conflictText: string;
  /** true when PATCH answers 200 with the entity (BC) rather than 204 (F&O, Dataverse) */
  patchReturnsEntity: boolean;
  /** the field D365 stamps on every write, or null where the entity has none */
  modifiedField: string | null;
  fieldPolicy: Record<string, FieldPolicy>;
  /** default token scope; F&O and Dataverse use the environment URL */
  scope: (environmentUrl: string) => string;
  /** how $batch travels, and the operations one batch may hold (a connection may set a lower limit) */
  batch: { format: 'multipart' | 'json'; maxOperations: number };
}

const environmentScope = (env: string): string => `${env.replace(/\/+$/, '')}/.default`;

export const PROFILES: Record<ProfileName, EntityProfile> = {
  fo: {
    name: 'fo',
    label: 'Finance & Operations — SalesOrderHeadersV2',
    servicePath: '/data',
    entitySet: 'SalesOrderHeadersV2',
    addressing: 'key',
    companyIn: 'key',
    companyKey: 'dataAreaId',
    orderKey: 'SalesOrderNumber',
    idField: null,
    orderQuery: 'cross-company=true',
    concurrencyStatuses: [412, 409],
    conflictText: 'update conflict',
    patchReturnsEntity: false,
    modifiedField: null,
    fieldPolicy: {},
    scope: environmentScope,
    // F&O documents up to 5,000, but every part runs in one AOS request: keep batches small
    batch: { format: 'multipart', maxOperations: 100 },
  },
  bc: {
    name: 'bc',
    label: 'Business Central — salesOrders (API v2.0)',
    servicePath: '/api/v2.0',
    entitySet: 'salesOrders',
    addressing: 'filter',
    companyIn: 'path',
    companyKey: null,
    orderKey: 'number',
    idField: 'id',
    orderQuery: '',
    concurrencyStatuses: [409, 412],
    conflictText: 'update conflict',
    patchReturnsEntity: true,
    modifiedField: 'lastModifiedDateTime',
    fieldPolicy: {},
    scope: () => 'https://api.businesscentral.dynamics.com/.default',
    batch: { format: 'json', maxOperations: 100 },
  },
  dataverse: {
    name: 'dataverse',
    label: 'Dataverse (Dynamics 365 Sales) — salesorders (Web API v9.2)',
    servicePath: '/api/data/v9.2',
    entitySet: 'salesorders',
    // ordernumber is an alternate key only where the organisation defined one; a filter works everywhere
    addressing: 'filter',
    companyIn: 'none',
    companyKey: null,
    orderKey: 'ordernumber',
    idField: 'salesorderid',
    orderQuery: '',
    concurrencyStatuses: [412],
    conflictText: 'update conflict',
    patchReturnsEntity: false,
    modifiedField: 'modifiedon',
    fieldPolicy: {},
    scope: environmentScope,
    batch: { format: 'multipart', maxOperations: 1000 },
  },
};

export function profileNamed(name: string): EntityProfile {
  if ((PROFILE_NAMES as readonly string[]).includes(name)) return PROFILES[name as ProfileName];
  throw badInput(`unknown entity profile ${JSON.stringify(name)}; use fo (Finance & Operations), bc (Business Central) or dataverse (Dynamics 365 Sales)`);
}

function withQuery(url: string, ...options: string[]): string {
  const query = options.filter((o) => o !== '').join('&');
  return query === '' ? url : `${url}?${query}`;
}

/** Where the entity set lives for this order's company. */
function entitySetUrl(p: EntityProfile, serviceRoot: string, key: OrderRef): string {
  return p.companyIn === 'path' ? `${serviceRoot}/companies(${encodeURIComponent(key.company)})/${p.entitySet}` : `${serviceRoot}/${p.entitySet}`;
}

/** The URL that reads an order with the given fields (the keys and id come along). */
export function orderReadUrl(p: EntityProfile, serviceRoot: string, key: OrderRef, fields: readonly string[]): string {
  if (p.addressing === 'key') {
    const keys = p.companyIn === 'key' && p.companyKey ? { [p.companyKey]: key.company, [p.orderKey]: key.orderNumber } : { [p.orderKey]: key.orderNumber };
    const select = [...new Set(fields)].join(',');
    return withQuery(`${entitySetUrl(p, serviceRoot, key)}${keyPredicate(keys)}`, p.orderQuery, select ? `$select=${encodeURIComponent(select)}` : '');
  }
  const select = [...new Set([...(p.idField ? [p.idField] : []), p.orderKey, ...fields])].join(',');
  return withQuery(
    entitySetUrl(p, serviceRoot, key),
    `$filter=${encodeURIComponent(`${p.orderKey} eq `)}${stringLiteral(key.orderNumber)}`,
    `$select=${encodeURIComponent(select)}`,
    p.orderQuery,
  );
}

/**
 * The URL that writes the order just read: the key URL itself, or the record's id where it was
 * found by a filter. Null when the row does not carry its id.
 */
export function orderWriteUrl(p: EntityProfile, serviceRoot: string, key: OrderRef, readUrl: string, row: Record<string, unknown>): string | null {
  if (p.addressing === 'key') {
    const question = readUrl.indexOf('?');
    return withQuery(question < 0 ? readUrl : readUrl.slice(0, question), p.orderQuery);
  }
  const id = p.idField ? row[p.idField] : undefined;
  if (typeof id !== 'string' || id === '') return null;
  return withQuery(`${entitySetUrl(p, serviceRoot, key)}(${encodeURIComponent(id)})`, p.orderQuery);
}
