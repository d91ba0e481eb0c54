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
