/**
 * Every Edm type's rule, one value at a time: what is refused (and the words a person reads),
 * what text becomes, what passes untouched.
 */
import { describe, expect, it } from 'vitest';
import { ENTITY_MODEL_VERSION, type EdmProperty, type EntityModel } from '../../../core/d365/edm.ts';
import { fieldProblem, typeFields, typeValue } from '../../../core/d365/edm-values.ts';
import type { FieldValue } from '../../../core/outbox/types.ts';

const P = (name: string, type: string, more: Partial<EdmProperty> = {}): EdmProperty => ({ name, type, nullable: false, ...more });

const STATUS = P('SalesOrderStatus', 'Microsoft.Dynamics.DataEntities.SalesStatus', { members: ['Backorder', 'Delivered', 'Invoiced', 'Canceled'] });

const ok = (p: EdmProperty, value: FieldValue) => {
  const r = typeValue(p, value);
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
  return r.ok ? r.value : undefined;
};
const refused = (p: EdmProperty, value: FieldValue) => {
  const r = typeValue(p, value);
  expect(r.ok, `${JSON.stringify(value)} was accepted as ${JSON.stringify(r)}`).toBe(false);
  return r.ok ? '' : r.problem;
};

describe('enum members', () => {
  it('refuses a value that is no member, listing the members', () => {
    expect(refused(STATUS, 'Shipped')).toBe("SalesOrderStatus must be one of: Backorder, Delivered, Invoiced, Canceled — got 'Shipped'");
    expect(refused(STATUS, 2)).toBe('SalesOrderStatus must be one of: Backorder, Delivered, Invoiced, Canceled — got the number 2');
    expect(refused(STATUS, '31/02/2027')).toMatch(/must be one of: .* — got '31\/02\/2027'/);
  });

  it('takes another case as the member itself: "delivered" is queued as Delivered', () => {
    expect(ok(STATUS, 'delivered')).toBe('Delivered');
    expect(ok(STATUS, ' INVOICED ')).toBe('Invoiced');
    expect(ok(STATUS, 'Delivered')).toBe('Delivered');
  });

  it('refuses a case-insensitive match that is ambiguous', () => {
    const odd = P('Mode', 'N.Mode', { members: ['Air', 'AIR', 'Sea'] });
    expect(ok(odd, 'AIR')).toBe('AIR');
    expect(refused(odd, 'air')).toBe("Mode must be one of: Air, AIR, Sea — got 'air'");
  });

  it('flags combine members with commas; a string with allowed values is checked the same way, then its length', () => {
    const options = P('options', 'N.Options', { members: ['Gift wrap', 'Express'], flags: true });
    expect(ok(options, 'express, gift wrap')).toBe('Express,Gift wrap');
    expect(refused(options, 'Express,Fast')).toMatch(/must be one of: Gift wrap, Express/);
    const allowed = P('status', 'Edm.String', { members: ['Open', 'Closed'], maxLength: 20 });
    expect(ok(allowed, 'open')).toBe('Open');
    expect(refused(allowed, 'Shipped')).toBe("status must be one of: Open, Closed — got 'Shipped'");
  });
});

describe('dates', () => {
  const date = P('requestedDeliveryDate', 'Edm.Date');
  const dto = P('RequestedShippingDate', 'Edm.DateTimeOffset');

  it('Edm.Date takes YYYY-MM-DD and refuses a date-time, a day that does not exist, other spellings', () => {
    expect(ok(date, '2027-02-03')).toBe('2027-02-03');
    expect(ok(date, '2028-02-29')).toBe('2028-02-29');
    expect(refused(date, '2027-02-03T12:00:00Z')).toBe(
      "requestedDeliveryDate must be a date (Edm.Date) written YYYY-MM-DD, e.g. 2027-02-03 — got '2027-02-03T12:00:00Z' (a date and time; this field holds only the date)",
    );
    expect(refused(date, '31/02/2027')).toBe("requestedDeliveryDate must be a date (Edm.Date) written YYYY-MM-DD, e.g. 2027-02-03 — got '31/02/2027'");
    expect(refused(date, '2027-02-31')).toMatch(/— got '2027-02-31' \(February 2027 has no day 31\)$/);
    expect(refused(date, '2027-02-29')).toMatch(/February 2027 has no day 29/);
    expect(refused(date, '2027-13-01')).toMatch(/there is no month 13/);
    expect(refused(date, 20270203)).toMatch(/got the number 20270203$/);
  });

  it('Edm.DateTimeOffset takes ISO 8601 with an offset and refuses a bare date, a local time, an impossible time', () => {
    for (const v of ['2027-02-03T12:00:00Z', '2027-02-03T12:00Z', '2027-02-03T12:00:00.123+01:00', '2027-02-03T23:59:59-05:30']) expect(ok(dto, v)).toBe(v);
    expect(refused(dto, '2027-02-03')).toBe(
      "RequestedShippingDate must be a date and time with its offset from UTC (Edm.DateTimeOffset), e.g. 2027-02-03T12:00:00Z — got '2027-02-03' (a date without a time and offset)",
    );
    expect(refused(dto, '2027-02-03T12:00:00')).toMatch(/Edm.DateTimeOffset.* — got '2027-02-03T12:00:00'$/);
    expect(refused(dto, '2027-02-30T12:00:00Z')).toMatch(/February 2027 has no day 30/);
    expect(refused(dto, '2027-02-03T24:00:00Z')).toMatch(/no such time of day/);
    expect(refused(dto, '2027-02-03T12:00:00+15:00')).toMatch(/no such offset/);
  });
});

describe('numbers', () => {
  it('Int32 from text or number, whole and in range', () => {
    const i = P('shippingmethodcode', 'Edm.Int32');
    expect(ok(i, '4')).toBe(4);
    expect(ok(i, 4)).toBe(4);
    expect(ok(i, ' -7 ')).toBe(-7);
    expect(refused(i, '1.5')).toBe("shippingmethodcode must be a whole number (Edm.Int32) from -2147483648 to 2147483647 — got '1.5'");
    expect(refused(i, 2147483648)).toMatch(/got the number 2147483648$/);
    expect(refused(i, 'four')).toMatch(/got 'four'$/);
    expect(refused(i, true)).toMatch(/got the boolean true$/);
  });

  it('Int64 beyond what a JSON number carries exactly is refused', () => {
    const l = P('quantity', 'Edm.Int64');
    expect(ok(l, '9007199254740991')).toBe(9007199254740991);
    expect(refused(l, '9007199254740993')).toMatch(/whole number \(Edm.Int64\) from -9007199254740991 to 9007199254740991/);
  });

  it('Decimal: precision and scale as declared; variable scale takes any number', () => {
    const pct = P('TotalDiscountPercentage', 'Edm.Decimal', { precision: 5, scale: 2 });
    expect(ok(pct, '12.5')).toBe(12.5);
    expect(ok(pct, '999.99')).toBe(999.99);
    expect(ok(pct, '012.50')).toBe(12.5);
    expect(ok(pct, 7)).toBe(7);
    expect(refused(pct, '12.345')).toBe(
      "TotalDiscountPercentage must be a number (Edm.Decimal) with at most 5 digits, 2 of them after the decimal point — got '12.345'",
    );
    expect(refused(pct, '1000.5')).toMatch(/at most 5 digits/);
    expect(refused(pct, 0.125)).toMatch(/got the number 0.125$/);
    expect(refused(pct, '12,5')).toMatch(/got '12,5' \(write the decimal point as '\.'\)$/);
    expect(refused(pct, '1e3')).toMatch(/got '1e3'$/);
    const any = P('discountpercentage', 'Edm.Decimal');
    expect(ok(any, '0.123456789')).toBe(0.123456789);
    expect(refused(any, '12345678901234567.5')).toMatch(/more digits than can be sent exactly/);
    expect(refused(P('scaled', 'Edm.Decimal', { scale: 0 }), '1.5')).toMatch(/with at most 0 digits after the decimal point/);
  });

  it('Double takes exponents; not-a-number is refused', () => {
    const d = P('weight', 'Edm.Double');
    expect(ok(d, '1.5e3')).toBe(1500);
    expect(refused(d, 'NaN')).toMatch(/a number \(Edm.Double\)/);
  });
});

describe('booleans, text, GUIDs, null', () => {
  it('Edm.Boolean: true/false text (any case, as Excel writes TRUE) becomes a boolean; other words are refused', () => {
    const b = P('willcall', 'Edm.Boolean');
    expect(ok(b, 'true')).toBe(true);
    expect(ok(b, 'FALSE')).toBe(false);
    expect(ok(b, false)).toBe(false);
    expect(refused(b, 'yes')).toBe("willcall must be true or false (Edm.Boolean) — got 'yes'");
    expect(refused(b, 1)).toMatch(/got the number 1$/);
  });

  it('Edm.String: MaxLength counts characters, not UTF-16 units; a typed number is not turned into text', () => {
    const s = P('DeliveryModeCode', 'Edm.String', { maxLength: 10 });
    expect(ok(s, '10')).toBe('10');
    expect(ok(s, '🚚🚚🚚🚚🚚🚚🚚🚚🚚🚚')).toBe('🚚🚚🚚🚚🚚🚚🚚🚚🚚🚚');
    expect(refused(s, 'TRUCK-EXPRESS')).toBe("DeliveryModeCode must be at most 10 characters long (Edm.String, MaxLength 10) — got 13 characters: 'TRUCK-EXPRESS'");
    expect(refused(s, 10)).toBe('DeliveryModeCode must be text (Edm.String) — got the number 10; send it as text, e.g. "10"');
    expect(refused(P('note', 'Edm.String', { maxLength: 5 }), 'x'.repeat(100))).toMatch(/got 100 characters: 'x{57}…'$/);
  });

  it('Edm.Guid, null where not nullable, lists and types the agent cannot judge', () => {
    const g = P('shipmentMethodId', 'Edm.Guid');
    expect(ok(g, '0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe('0F8FAD5B-D9CB-469F-A165-70867728950E');
    expect(refused(g, 'EXW')).toMatch(/^shipmentMethodId must be a GUID \(Edm.Guid\)/);
    expect(refused(g, null)).toBe('shipmentMethodId cannot be empty (D365 declares it not nullable) — got null');
    expect(ok({ ...g, nullable: true }, null)).toBeNull();
    expect(refused(P('tags', 'Collection(Edm.String)'), 'a')).toMatch(/holds a list/);
    expect(ok(P('location', 'Edm.GeographyPoint'), 'POINT(1 2)')).toBe('POINT(1 2)');
  });
});

describe('a whole update', () => {
  const model: EntityModel = {
    version: ENTITY_MODEL_VERSION,
    entitySet: 'SalesOrderHeadersV2',
    entityType: 'Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2',
    properties: [
      P('dataAreaId', 'Edm.String', { key: true }),
      P('SalesOrderNumber', 'Edm.String', { key: true }),
      STATUS,
      P('RequestedShippingDate', 'Edm.DateTimeOffset'),
      P('DeliveryModeCode', 'Edm.String', { maxLength: 10 }),
      P('ModifiedDateTime', 'Edm.DateTimeOffset', { computed: true }),
    ],
  };

  it('reports every problem, one per field: unknown names with close ones, keys, computed fields, bad values', () => {
    const r = typeFields(model, { SalesOrderStatus: 'Shipped', RequestedShipingDate: 'x', SalesOrderNumber: 'SO-2', ModifiedDateTime: '2027-01-01T00:00:00Z', DeliveryModeCode: '20' });
    expect(r.problems).toEqual([
      "SalesOrderStatus must be one of: Backorder, Delivered, Invoiced, Canceled — got 'Shipped'",
      'SalesOrderHeadersV2 has no field "RequestedShipingDate" (did you mean RequestedShippingDate?)',
      'SalesOrderNumber is part of the key of SalesOrderHeaderV2 (it says which order this is) and cannot be changed',
      'ModifiedDateTime is set by D365 itself (Core.Computed) and cannot be changed',
    ]);
    expect(r.fields).toEqual({ DeliveryModeCode: '20' });
    expect(fieldProblem(model, 'DeliveryModeCode')).toBeNull();
  });

  it('a base is what D365 held: it may be empty, and its values are read as their types too', () => {
    expect(typeFields(model, { SalesOrderStatus: null, DeliveryModeCode: '10' }, 'base')).toEqual({ fields: { SalesOrderStatus: null, DeliveryModeCode: '10' }, problems: [] });
    expect(typeFields(model, { SalesOrderStatus: 'backorder' }, 'base').fields).toEqual({ SalesOrderStatus: 'Backorder' });
    expect(typeFields(model, { SalesOrderStatus: 'Shipped' }, 'base').problems).toEqual(["base value: SalesOrderStatus must be one of: Backorder, Delivered, Invoiced, Canceled — got 'Shipped'"]);
  });
});
