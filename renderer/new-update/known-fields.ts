/** Suggestions only: any field of the entity may be typed. */
export const KNOWN_FIELDS = ['SalesOrderStatus', 'RequestedShippingDate', 'RequestedReceiptDate', 'DeliveryModeCode', 'CustomerRequisitionNumber', 'SalesOrderName'] as const;

export const VALUE_SUGGESTIONS: Record<string, readonly string[]> = {
  SalesOrderStatus: ['Backorder', 'Delivered', 'Invoiced', 'Canceled'],
};
