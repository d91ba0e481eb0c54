import { describe, expect, it } from 'vitest';
import { checkOptions, filterPredicate, nonNegativeInteger, represent, selection } from '../../../core/simulator/query-options.ts';
import { SALES_ORDER_HEADER } from '../../../core/simulator/fo-entity.ts';

const q = (s: string) => new URLSearchParams(s);

describe('query options', () => {
  it('refuses system options it does not implement instead of ignoring them; custom options pass', () => {
    expect(checkOptions(q('$select=A&cross-company=true'), ['$select'])).toBeUndefined();
    expect(checkOptions(q('$select=A&$orderby=B'), ['$select'])).toBe("The query parameter '$orderby' is not supported.");
  });

  it('$select: the named properties, or all; an unknown one is refused naming the type', () => {
    expect(selection(SALES_ORDER_HEADER, q(''))).toEqual({ ok: true, value: undefined });
    expect(selection(SALES_ORDER_HEADER, q('$select=*'))).toEqual({ ok: true, value: undefined });
    expect(selection(SALES_ORDER_HEADER, q('$select=DeliveryModeCode, SalesOrderName'))).toEqual({ ok: true, value: ['DeliveryModeCode', 'SalesOrderName'] });
    expect(selection(SALES_ORDER_HEADER, q('$select=DeliveryMode'))).toEqual({ ok: false, message: "Could not find a property named 'DeliveryMode' on type 'Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2'." });
  });

  it('represent: the ETag first, then the keys, then what was selected, in schema order, missing ones as null', () => {
    const row = represent(SALES_ORDER_HEADER, { dataAreaId: 'usmf', SalesOrderNumber: 'SO-1', DeliveryModeCode: '10', SalesOrderName: 'n' }, 'W/"1"', ['DeliveryModeCode', 'CurrencyCode']);
    expect(Object.entries(row)).toEqual([
      ['@odata.etag', 'W/"1"'],
      ['dataAreaId', 'usmf'],
      ['SalesOrderNumber', 'SO-1'],
      ['DeliveryModeCode', '10'],
      ['CurrencyCode', null],
    ]);
    expect(Object.keys(represent(SALES_ORDER_HEADER, {}, undefined, undefined))).toEqual(SALES_ORDER_HEADER.properties.map((p) => p.name));
  });

  it('$filter: equality joined by and, text compared without case as D365 does; unknown properties and bad syntax refused', () => {
    const f = filterPredicate(SALES_ORDER_HEADER, q("$filter=SalesOrderNumber eq 'so-1' and DeliveryModeCode eq '10'"));
    expect(f.ok).toBe(true);
    if (!f.ok) return;
    expect(f.value({ SalesOrderNumber: 'SO-1', DeliveryModeCode: '10' })).toBe(true);
    expect(f.value({ SalesOrderNumber: 'SO-1', DeliveryModeCode: '20' })).toBe(false);
    expect(filterPredicate(SALES_ORDER_HEADER, q('')).ok).toBe(true);
    expect(filterPredicate(SALES_ORDER_HEADER, q("$filter=Nope eq 'x'"))).toMatchObject({ ok: false, message: expect.stringContaining("Could not find a property named 'Nope'") });
    expect(filterPredicate(SALES_ORDER_HEADER, q("$filter=SalesOrderNumber eq 'unclosed"))).toMatchObject({ ok: false });
    const nul = filterPredicate(SALES_ORDER_HEADER, q('$filter=SalesOrderName eq null'));
    expect(nul.ok && nul.value({})).toBe(true);
  });

  it('$top and $skip are non-negative integers', () => {
    expect(nonNegativeInteger(q('$top=5'), '$top')).toEqual({ ok: true, value: 5 });
    expect(nonNegativeInteger(q(''), '$top')).toEqual({ ok: true, value: undefined });
    expect(nonNegativeInteger(q('$top=-1'), '$top')).toEqual({ ok: false, message: "Invalid value '-1' for $top query option found. The value must be a non-negative integer." });
    expect(nonNegativeInteger(q('$skip=1.5'), '$skip').ok).toBe(false);
  });
});
