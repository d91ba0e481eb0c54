import { describe, expect, it } from 'vitest';
import { BC_SALES_ORDER, bcFieldName, bcMirror, bcValue, companyGuid, nameGuid, orderGuid, SHIPMENT_METHODS } from '../../../core/simulator/bc-entity.ts';
import { checkPatchBody, property } from '../../../core/simulator/entity-schema.ts';
import { defaultFoOrder } from '../../../core/simulator/fo-entity.ts';

describe('the Business Central salesOrder entity', () => {
  it('ids are name-based GUIDs: the same in every run, companies and orders without case', () => {
    expect(nameGuid('x')).toBe(nameGuid('x'));
    expect(nameGuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(companyGuid('CRONUS')).toBe(companyGuid('cronus'));
    expect(orderGuid('CRONUS', 'SO-1')).toBe(orderGuid('cronus', 'so-1'));
    expect(orderGuid('A', 'SO-1')).not.toBe(orderGuid('B', 'SO-1'));
  });

  it('F&O names map to BC\'s, and BC\'s own pass through; others are unknown', () => {
    expect(bcFieldName('DeliveryModeCode')).toBe('shipmentMethodId');
    expect(bcFieldName('RequestedShippingDate')).toBe('requestedDeliveryDate');
    expect(bcFieldName('status')).toBe('status');
    expect(bcFieldName('ShippingWarehouseId')).toBeUndefined();
  });

  it('F&O values become BC values: a date from a date-time, a shipment method from a delivery mode, a status', () => {
    expect(bcValue('RequestedShippingDate', '2027-01-15T12:00:00Z')).toBe('2027-01-15');
    expect(bcValue('DeliveryModeCode', '30')).toBe(SHIPMENT_METHODS.find((m) => m.code === 'CIF')!.id);
    expect(bcValue('DeliveryModeCode', 'unknown')).toBe(SHIPMENT_METHODS[0]!.id);
    expect(bcValue('SalesOrderStatus', 'Backorder')).toBe('Draft');
    expect(bcValue('SalesOrderStatus', 'Invoiced')).toBe('Released');
    expect(bcValue('SalesOrderName', 'x')).toBe('x');
  });

  it('the mirror of an F&O order carries its number and mapped values, and is valid for the entity', () => {
    const fo = defaultFoOrder('USMF', 'SO-7', 2);
    const bc = bcMirror('USMF', { ...fo, DeliveryModeCode: '40' });
    expect(bc).toMatchObject({ id: orderGuid('USMF', 'SO-7'), number: 'SO-7', shipmentMethodId: SHIPMENT_METHODS[3]!.id, status: 'Draft', requestedDeliveryDate: String(fo.RequestedShippingDate).slice(0, 10) });
    const writable = Object.fromEntries(Object.entries(bc).filter(([k]) => !property(BC_SALES_ORDER, k)?.readOnly));
    expect(checkPatchBody(BC_SALES_ORDER, writable).ok).toBe(true);
  });
});
