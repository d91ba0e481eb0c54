import { badInput } from '../errors.ts';

export type FieldPolicy = 'ask' | 'ours' | 'theirs';

/**
 * What differs between D365 flavours is configuration, not code: where the entity lives,
 * how an order is addressed, and what a write conflict looks like.
 */
export interface EntityProfile {
  name: 'fo' | 'bc';
  label: string;
  /** OData root below the environment URL */
  servicePath: string;
  entitySet: string;
  /** fo: key predicate (dataAreaId='X',SalesOrderNumber='Y'); bc: $filter on number inside companies(<id>) */
  addressing: 'key' | 'filter';
  companyKey: string;
  orderKey: string;
  /** BC addresses a record by its id once found */
  idField: string | null;
  /** HTTP statuses that mean "someone changed the record since your ETag" */
  concurrencyStatuses: number[];
  /** a 500 whose body contains this (lower case) is the F&O AOS write conflict */
  conflictText: string;
  /** true when PATCH answers 200 with the entity (BC) rather than 204 (F&O) */
  patchReturnsEntity: boolean;
  fieldPolicy: Record<string, FieldPolicy>;
  /** default token scope; F&O uses the environment URL */
  scope: (environmentUrl: string) => string;
}

export const PROFILES: Record<EntityProfile['name'], EntityProfile> = {
  fo: {
    name: 'fo',
    label: 'Finance & Operations — SalesOrderHeadersV2',
    servicePath: '/data',
    entitySet: 'SalesOrderHeadersV2',
    addressing: 'key',
    companyKey: 'dataAreaId',
    orderKey: 'SalesOrderNumber',
    idField: null,
    concurrencyStatuses: [412, 409],
    conflictText: 'update conflict',
    patchReturnsEntity: false,
    fieldPolicy: {},
    scope: (env) => `${env.replace(/\/+$/, '')}/.default`,
  },
  bc: {
    name: 'bc',
    label: 'Business Central — salesOrders (API v2.0)',
    servicePath: '/api/v2.0',
    entitySet: 'salesOrders',
    addressing: 'filter',
    companyKey: 'companyId',
    orderKey: 'number',
    idField: 'id',
    concurrencyStatuses: [409, 412],
    conflictText: 'update conflict',
    patchReturnsEntity: true,
    fieldPolicy: {},
    scope: () => 'https://api.businesscentral.dynamics.com/.default',
  },
};

export function profileNamed(name: string): EntityProfile {
  if (name === 'fo' || name === 'bc') return PROFILES[name];
  throw badInput(`unknown entity profile ${JSON.stringify(name)}; use fo (Finance & Operations) or bc (Business Central)`);
}
