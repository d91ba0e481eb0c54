import { createHash } from 'node:crypto';
import type { EntitySchema } from './entity-schema.ts';
import type { FieldValue, SalesOrder } from './types.ts';
import { formatGuid, pick, randomInt, type Rng } from './rng.ts';
import { shippingDate } from './fo-entity.ts';

export const BC_NAMESPACE = 'Microsoft.NAV';
export const BC_STATUSES = ['Draft', 'In Review', 'Open', 'Released'] as const;

/** A name-based (version 5 style) GUID: the same name gives the same id in every run. */
export function nameGuid(name: string): string {
  const hex = createHash('sha1').update(`outbox-simulator:${name}`).digest('hex');
  const variant = (8 + (parseInt(hex.charAt(16), 16) % 4)).toString(16);
  return formatGuid(hex, '5', variant);
}

export function companyGuid(company: string): string {
  return nameGuid(`company:${company.toLowerCase()}`);
}

export function orderGuid(company: string, orderNumber: string): string {
  return nameGuid(`salesOrder:${company.toLowerCase()}:${orderNumber.toLowerCase()}`);
}

export interface ShipmentMethod {
  id: string;
  code: string;
  displayName: string;
}

/** BC shipment methods, each standing in for one F&O delivery mode code. */
export const SHIPMENT_METHODS: readonly (ShipmentMethod & { deliveryMode: string })[] = [
  ['EXW', 'Ex Warehouse', '10'],
  ['FOB', 'Free on Board', '20'],
  ['CIF', 'Cost Insurance and Freight', '30'],
  ['DDP', 'Delivered Duty Paid', '40'],
  ['PICKUP', 'Pickup at Location', '50'],
].map(([code, displayName, deliveryMode]) => ({
  id: nameGuid(`shipmentMethod:${code as string}`),
  code: code as string,
  displayName: displayName as string,
  deliveryMode: deliveryMode as string,
}));

function differentFrom(rng: Rng, options: readonly string[], current: FieldValue | undefined): string | undefined {
  const choices = options.filter((o) => o !== current);
  return choices.length === 0 ? undefined : pick(rng, choices);
}

export const BC_SALES_ORDER: EntitySchema = {
  namespace: BC_NAMESPACE,
  typeName: 'salesOrder',
  entitySet: 'salesOrders',
  properties: [
    { name: 'id', type: 'Edm.Guid', key: true, readOnly: true },
    { name: 'number', type: 'Edm.String', maxLength: 20, readOnly: true },
    { name: 'externalDocumentNumber', type: 'Edm.String', maxLength: 35, next: (rng) => `REQ-${randomInt(rng, 10000, 100000)}` },
    { name: 'orderDate', type: 'Edm.Date' },
    { name: 'postingDate', type: 'Edm.Date' },
    { name: 'customerId', type: 'Edm.Guid' },
    { name: 'customerNumber', type: 'Edm.String', maxLength: 20 },
    { name: 'customerName', type: 'Edm.String', maxLength: 100 },
    { name: 'shipToName', type: 'Edm.String', maxLength: 100, next: (rng) => `Dock ${randomInt(rng, 1, 100)}` },
    { name: 'shipToContact', type: 'Edm.String', maxLength: 100, next: (rng) => `Contact ${randomInt(rng, 100, 1000)}` },
    { name: 'currencyCode', type: 'Edm.String', maxLength: 10 },
    {
      name: 'shipmentMethodId',
      type: 'Edm.Guid',
      next: (rng, current) => differentFrom(rng, SHIPMENT_METHODS.map((m) => m.id), current),
    },
    {
      name: 'requestedDeliveryDate',
      type: 'Edm.Date',
      next: (rng, current) => differentFrom(rng, [shippingDate(rng).slice(0, 10)], current),
    },
    {
      name: 'status',
      type: `${BC_NAMESPACE}.salesOrderStatus`,
      members: BC_STATUSES,
      next: (rng, current) => differentFrom(rng, BC_STATUSES, current),
    },
    { name: 'lastModifiedDateTime', type: 'Edm.DateTimeOffset', readOnly: true },
  ],
};

/** How an F&O field name used in options or seeds reads on the BC entity. */
const FO_TO_BC: Readonly<Record<string, string>> = {
  SalesOrderNumber: 'number',
  SalesOrderName: 'shipToContact',
  CustomerRequisitionNumber: 'externalDocumentNumber',
  RequestedShippingDate: 'requestedDeliveryDate',
  DeliveryModeCode: 'shipmentMethodId',
  SalesOrderStatus: 'status',
  DeliveryAddressName: 'shipToName',
  OrderingCustomerAccountNumber: 'customerNumber',
  CurrencyCode: 'currencyCode',
};

export function bcFieldName(name: string): string | undefined {
  if (BC_SALES_ORDER.properties.some((p) => p.name === name)) return name;
  return FO_TO_BC[name];
}

/** The BC value standing for an F&O value of the same (mapped) field. */
export function bcValue(foName: string, value: FieldValue): FieldValue {
  switch (foName) {
    case 'RequestedShippingDate':
      return typeof value === 'string' ? value.slice(0, 10) : value;
    case 'DeliveryModeCode':
      return (SHIPMENT_METHODS.find((m) => m.deliveryMode === value) ?? SHIPMENT_METHODS[0])?.id ?? null;
    case 'SalesOrderStatus':
      return value === 'Backorder' || value === 'Canceled' ? 'Draft' : 'Released';
    default:
      return value;
  }
}

/** The BC mirror of an F&O order (the order book stamps lastModifiedDateTime). */
export function bcMirror(company: string, fo: SalesOrder): SalesOrder {
  const orderNumber = String(fo.SalesOrderNumber);
  const order: SalesOrder = {
    id: orderGuid(company, orderNumber),
    number: orderNumber,
    externalDocumentNumber: '',
    orderDate: '2026-11-20',
    postingDate: '2026-11-20',
    customerId: nameGuid(`customer:${String(fo.OrderingCustomerAccountNumber ?? '')}`),
    customerNumber: '',
    customerName: String(fo.SalesOrderName ?? ''),
    shipToName: '',
    shipToContact: '',
    currencyCode: 'USD',
    shipmentMethodId: SHIPMENT_METHODS[0]?.id ?? null,
    requestedDeliveryDate: '2026-12-01',
    status: 'Draft',
  };
  for (const [name, value] of Object.entries(fo)) {
    const bcName = FO_TO_BC[name];
    if (bcName) order[bcName] = bcValue(name, value);
  }
  return order;
}
