import { describe, expect, it } from 'vitest';
import { DV_SALES_ORDER, DV_STATES, dvFieldName, dvMirror, dvOrderId, dvStateError, dvValue } from '../../../core/simulator/dv-entity.ts';
import { checkPatchBody, property } from '../../../core/simulator/entity-schema.ts';
import { defaultFoOrder } from '../../../core/simulator/fo-entity.ts';
import { createRng } from '../../../core/simulator/rng.ts';

describe('the Dataverse salesorder entity', () => {
  it('a canceled or invoiced order keeps its state', () => {
    expect(dvStateError(DV_STATES.invoiced, DV_STATES.active)).toBe('The salesorder is closed (statecode 4) and its state cannot be changed to 0.');
    expect(dvStateError(DV_STATES.canceled, DV_STATES.fulfilled)).toMatch(/statecode 2/);
    expect(dvStateError(DV_STATES.active, DV_STATES.invoiced)).toBeUndefined();
    expect(dvStateError(DV_STATES.invoiced, DV_STATES.invoiced)).toBeUndefined();
  });

  it('F&O names and values map to Dataverse\'s', () => {
    expect(dvFieldName('SalesOrderStatus')).toBe('statecode');
    expect(dvFieldName('name')).toBe('name');
    expect(dvFieldName('CurrencyCode')).toBeUndefined();
    expect(dvValue('DeliveryModeCode', '30')).toBe(3);
    expect(dvValue('DeliveryModeCode', 'AIR')).toBe(1);
    expect(dvValue('SalesOrderStatus', 'Delivered')).toBe(DV_STATES.fulfilled);
    expect(dvValue('SalesOrderStatus', 'Unknown')).toBe(0);
    expect(dvValue('RequestedShippingDate', '2027-01-15T12:00:00Z')).toBe('2027-01-15');
  });

  it('the mirror of an F&O order is valid for the entity and found by a stable id', () => {
    const dv = dvMirror('USMF', defaultFoOrder('USMF', 'SO-3', 0));
    expect(dv.salesorderid).toBe(dvOrderId('usmf', 'so-3'));
    expect(dv.ordernumber).toBe('SO-3');
    const writable = Object.fromEntries(Object.entries(dv).filter(([k]) => !property(DV_SALES_ORDER, k)?.readOnly));
    expect(checkPatchBody(DV_SALES_ORDER, writable).ok).toBe(true);
  });

  it('other users move an order along: submitted, fulfilled, invoiced, then no further', () => {
    const state = property(DV_SALES_ORDER, 'statecode')!;
    const rng = createRng(1);
    expect([0, 1, 3, 4, 2].map((s) => state.next!(rng, s))).toEqual([1, 3, 4, undefined, undefined]);
    const method = property(DV_SALES_ORDER, 'shippingmethodcode')!;
    for (let i = 0; i < 20; i++) expect(method.next!(rng, 2)).not.toBe(2);
  });
});
