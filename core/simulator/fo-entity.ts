import type { EntitySchema } from './entity-schema.ts';
import type { FieldValue, SalesOrder } from './types.ts';
import { pick, randomInt, type Rng } from './rng.ts';

export const FO_NAMESPACE = 'Microsoft.Dynamics.DataEntities';
export const FO_ENTITY_SET = 'SalesOrderHeadersV2';
/** The company the pre-seeded orders live in (F&O's demo company). */
export const DEFAULT_COMPANY = 'USMF';

export const SALES_STATUSES = ['Backorder', 'Delivered', 'Invoiced', 'Canceled'] as const;
export const DELIVERY_MODES = ['10', '20', '30', '40', '50'] as const;

const CUSTOMERS = [
  ['US-001', 'Contoso Retail San Diego'],
  ['US-002', 'Contoso Retail Los Angeles'],
  ['US-003', 'Forest Wholesales'],
  ['US-004', 'Cave Wholesales'],
  ['US-005', 'Contoso Retail Seattle'],
  ['US-007', 'Desert Wholesales'],
  ['US-008', 'Sparrow Retail'],
  ['US-011', 'Grebe Rewards'],
  ['US-014', 'Owl Wholesales'],
  ['US-027', 'Birch Company'],
] as const;
const WAREHOUSES = ['11', '12', '13', '24'] as const;

/** Invoiced and canceled orders are closed in F&O: their status can no longer change. */
const FINAL_STATUSES: readonly string[] = ['Invoiced', 'Canceled'];

function nextStatus(current: FieldValue | undefined): FieldValue | undefined {
  // the way other users move an order along: it ships, then it is invoiced
  if (current === 'Backorder') return 'Delivered';
  if (current === 'Delivered') return 'Invoiced';
  return undefined;
}

function differentFrom<T extends FieldValue>(rng: Rng, options: readonly T[], current: FieldValue | undefined): T | undefined {
  const choices = options.filter((o) => o !== current);
  return choices.length === 0 ? undefined : pick(rng, choices);
}

export function shippingDate(rng: Rng): string {
  const day = new Date(Date.UTC(2026, 10, 1) + randomInt(rng, 0, 120) * 86_400_000);
  return `${day.toISOString().slice(0, 10)}T${String(randomInt(rng, 6, 18)).padStart(2, '0')}:00:00Z`;
}

export const SALES_ORDER_HEADER: EntitySchema = {
  namespace: FO_NAMESPACE,
  typeName: 'SalesOrderHeaderV2',
  entitySet: FO_ENTITY_SET,
  properties: [
    { name: 'dataAreaId', type: 'Edm.String', maxLength: 4, key: true },
    { name: 'SalesOrderNumber', type: 'Edm.String', maxLength: 20, key: true },
    {
      name: 'SalesOrderName',
      type: 'Edm.String',
      maxLength: 60,
      next: (rng) => `${pick(rng, CUSTOMERS)[1]} ${randomInt(rng, 100, 1000)}`,
    },
    {
      name: 'SalesOrderStatus',
      type: `${FO_NAMESPACE}.SalesStatus`,
      members: SALES_STATUSES,
      next: (_rng, current) => nextStatus(current),
    },
    { name: 'RequestedShippingDate', type: 'Edm.DateTimeOffset', next: (rng, current) => differentFrom(rng, [shippingDate(rng)], current) },
    { name: 'RequestedReceiptDate', type: 'Edm.DateTimeOffset', next: (rng, current) => differentFrom(rng, [shippingDate(rng)], current) },
    { name: 'DeliveryModeCode', type: 'Edm.String', maxLength: 10, next: (rng, current) => differentFrom(rng, DELIVERY_MODES, current) },
    {
      name: 'CustomerRequisitionNumber',
      type: 'Edm.String',
      maxLength: 20,
      next: (rng) => `REQ-${randomInt(rng, 10000, 100000)}`,
    },
    {
      name: 'OrderingCustomerAccountNumber',
      type: 'Edm.String',
      maxLength: 20,
      next: (rng, current) => differentFrom(rng, CUSTOMERS.map((c) => c[0]), current),
    },
    { name: 'ShippingWarehouseId', type: 'Edm.String', maxLength: 10, next: (rng, current) => differentFrom(rng, WAREHOUSES, current) },
    {
      name: 'DeliveryAddressName',
      type: 'Edm.String',
      maxLength: 60,
      next: (rng) => `${pick(rng, CUSTOMERS)[1]} dock ${randomInt(rng, 1, 10)}`,
    },
    { name: 'CurrencyCode', type: 'Edm.String', maxLength: 3, next: (rng, current) => differentFrom(rng, ['USD', 'EUR', 'CAD'], current) },
    // a percentage with two decimals: the facets give the agent's queue-time check something to hold to
    { name: 'TotalDiscountPercentage', type: 'Edm.Decimal', precision: 5, scale: 2 },
  ],
};

/** The real entity has no modification time; a simulator option adds one, stamped on every write. */
export const FO_MODIFIED_FIELD = 'ModifiedDateTime';

export function foSchema(withModificationTime: boolean): EntitySchema {
  if (!withModificationTime) return SALES_ORDER_HEADER;
  return { ...SALES_ORDER_HEADER, properties: [...SALES_ORDER_HEADER.properties, { name: FO_MODIFIED_FIELD, type: 'Edm.DateTimeOffset', readOnly: true }] };
}

/** Deterministic defaults for an order, so seeding does not consume any random stream. */
export function defaultFoOrder(company: string, orderNumber: string, index: number): SalesOrder {
  const [account, name] = CUSTOMERS[index % CUSTOMERS.length] as readonly [string, string];
  const date = new Date(Date.UTC(2026, 11, 1) + (index % 28) * 86_400_000).toISOString().slice(0, 10);
  return {
    dataAreaId: company,
    SalesOrderNumber: orderNumber,
    SalesOrderName: name,
    SalesOrderStatus: 'Backorder',
    RequestedShippingDate: `${date}T12:00:00Z`,
    RequestedReceiptDate: `${date}T12:00:00Z`,
    DeliveryModeCode: '10',
    CustomerRequisitionNumber: '',
    OrderingCustomerAccountNumber: account,
    ShippingWarehouseId: WAREHOUSES[index % WAREHOUSES.length] as string,
    DeliveryAddressName: name,
    CurrencyCode: 'USD',
    TotalDiscountPercentage: 0,
  };
}

/** The F&O-style reason a status change is refused, or undefined when it is allowed. */
export function statusTransitionError(orderNumber: string, from: FieldValue | undefined, to: FieldValue | undefined): string | undefined {
  if (to === undefined || from === to || typeof from !== 'string' || !FINAL_STATUSES.includes(from)) return undefined;
  return (
    `Write failed for table row of type 'SalesTable'. Infolog: Error: Sales order ${orderNumber} cannot be changed ` +
    `from status ${from} to status ${String(to)}: an order that is ${from.toLowerCase()} is closed.`
  );
}

export const WRITE_EXCEPTION_TYPE = 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException';

export const UPDATE_CONFLICT_MESSAGE =
  "Write failed for table row of type 'SalesTable'. Infolog: Error: An update conflict occurred due to another user process deleting the record or changing one or more fields in the record.";
