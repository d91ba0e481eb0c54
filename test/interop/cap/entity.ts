import { createHash } from 'node:crypto';

/** What the fixture's SalesOrderHeadersV2 holds (d365.cds), shared by the server and the tests. */

export type Row = Record<string, string | number | boolean | null>;

/** The fields of the entity below its keys, as the write log records them. */
export const LOGGED_FIELDS = [
  'SalesOrderName',
  'SalesOrderStatus',
  'RequestedShippingDate',
  'RequestedReceiptDate',
  'DeliveryModeCode',
  'CustomerRequisitionNumber',
  'CustomersOrderReference',
  'OrderingCustomerAccountNumber',
  'DeliveryAddressName',
] as const;
export type LoggedField = (typeof LOGGED_FIELDS)[number];

export const SALES_STATUSES = ['Backorder', 'Delivered', 'Invoiced', 'Canceled'] as const;
export const DELIVERY_MODES = ['10', '20', '30', '40', '50'] as const;

export function orderNumber(index: number): string {
  return `SO-${String(index + 1).padStart(6, '0')}`;
}

/** Deterministic seed values, so runs are reproducible and tests can name what they expect. */
export function seedOrder(company: string, index: number): Row {
  const day = new Date(Date.UTC(2026, 11, 1) + (index % 28) * 86_400_000).toISOString().slice(0, 10);
  return {
    dataAreaId: company,
    SalesOrderNumber: orderNumber(index),
    SalesOrderName: `Contoso Retail ${100 + index}`,
    SalesOrderStatus: 'Backorder',
    RequestedShippingDate: day,
    RequestedReceiptDate: day,
    DeliveryModeCode: '10',
    CustomerRequisitionNumber: '',
    CustomersOrderReference: '',
    OrderingCustomerAccountNumber: `US-${String((index % 30) + 1).padStart(3, '0')}`,
    DeliveryAddressName: `Contoso Retail ${100 + index} dock 1`,
  };
}

/** Business Central's side (service Microsoft.NAV at /api/v2.0). */
export const BC_COMPANY_ID = '7c8e0d5a-3f1b-4e2a-9c4d-5b6a7e8f9a01';
export const BC_LOGGED_FIELDS = ['externalDocumentNumber', 'status', 'requestedDeliveryDate', 'shipToName', 'shipToContact'] as const;
export const BC_STATUSES = ['Draft', 'In Review', 'Open', 'Released'] as const;

/** A fixed id per order number (BC addresses an order by its GUID once found). */
export function bcOrderId(orderNumber: string): string {
  const hex = createHash('sha1').update(`interop:salesOrder:${orderNumber}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function seedBcOrder(index: number): Row {
  const day = new Date(Date.UTC(2026, 11, 1) + (index % 28) * 86_400_000).toISOString().slice(0, 10);
  const number = orderNumber(index);
  return {
    id: bcOrderId(number),
    number,
    company_id: BC_COMPANY_ID,
    externalDocumentNumber: '',
    status: 'Open',
    requestedDeliveryDate: day,
    shipToName: `Contoso Retail ${100 + index}`,
    shipToContact: 'Front desk',
  };
}
