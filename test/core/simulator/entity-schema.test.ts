import { describe, expect, it } from 'vitest';
import { checkPatchBody, checkValue, csdl, keyNames, property, qualifiedType, type EntitySchema, type PropertySpec } from '../../../core/simulator/entity-schema.ts';
import { SALES_ORDER_HEADER } from '../../../core/simulator/fo-entity.ts';

const spec = (type: string, more: Partial<PropertySpec> = {}): PropertySpec => ({ name: 'P', type, ...more });

describe('checkPatchBody: what the OData deserializer refuses before any business logic', () => {
  it('takes known properties, skipping annotations, and normalises values as the server stores them', () => {
    const r = checkPatchBody(SALES_ORDER_HEADER, { '@odata.etag': 'W/"x"', 'DeliveryModeCode@odata.type': 'x', DeliveryModeCode: '30', RequestedShippingDate: '2027-01-15T13:00:00.123+01:00' });
    expect(r).toEqual({ ok: true, fields: { DeliveryModeCode: '30', RequestedShippingDate: '2027-01-15T12:00:00Z' } });
  });

  it('refuses a body that is not an object, and an unknown property by name and type', () => {
    for (const body of [null, [], 'x', 3]) expect(checkPatchBody(SALES_ORDER_HEADER, body)).toEqual({ ok: false, message: 'The request body must be a JSON object with the properties to change.' });
    expect(checkPatchBody(SALES_ORDER_HEADER, { Nope: 1 })).toEqual({
      ok: false,
      message: "The property 'Nope' does not exist on type 'Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2'. Make sure to only use property names that are defined by the type.",
    });
  });
});

describe('checkValue by Edm type', () => {
  it('null is never allowed (Nullable=False)', () => {
    expect(checkValue(spec('Edm.String'), null)).toMatchObject({ ok: false, message: expect.stringContaining("'Edm.String[Nullable=False]' does not allow null values") });
  });

  it('strings: text only, within MaxLength', () => {
    expect(checkValue(spec('Edm.String', { maxLength: 3 }), 'abc')).toEqual({ ok: true, value: 'abc' });
    expect(checkValue(spec('Edm.String', { maxLength: 3 }), 'abcd')).toEqual({ ok: false, message: "The value of property 'P' is longer than its maximum length of 3." });
    expect(checkValue(spec('Edm.String'), 5)).toEqual({ ok: false, message: "Cannot convert the literal '5' to the expected type 'Edm.String'." });
  });

  it('DateTimeOffset: an offset is required, stored in UTC whole seconds', () => {
    expect(checkValue(spec('Edm.DateTimeOffset'), '2027-01-15T12:00:00.999Z')).toEqual({ ok: true, value: '2027-01-15T12:00:00Z' });
    expect(checkValue(spec('Edm.DateTimeOffset'), '2027-01-15T12:00').ok).toBe(false);
    expect(checkValue(spec('Edm.DateTimeOffset'), '2027-13-15T12:00:00Z').ok).toBe(false);
  });

  it('Date: a real calendar day', () => {
    expect(checkValue(spec('Edm.Date'), '2028-02-29')).toEqual({ ok: true, value: '2028-02-29' });
    expect(checkValue(spec('Edm.Date'), '2027-02-29').ok).toBe(false);
    expect(checkValue(spec('Edm.Date'), '2027-02-01T00:00:00Z').ok).toBe(false);
  });

  it('Guid lower-cased; Decimal finite; Int32 whole and within its option set; Boolean strict', () => {
    expect(checkValue(spec('Edm.Guid'), 'ABCDEF01-2345-6789-ABCD-EF0123456789')).toEqual({ ok: true, value: 'abcdef01-2345-6789-abcd-ef0123456789' });
    expect(checkValue(spec('Edm.Guid'), 'not-a-guid').ok).toBe(false);
    expect(checkValue(spec('Edm.Decimal'), 1.5)).toEqual({ ok: true, value: 1.5 });
    expect(checkValue(spec('Edm.Decimal'), '1.5').ok).toBe(false);
    expect(checkValue(spec('Edm.Int32', { options: [1, 2] }), 2)).toEqual({ ok: true, value: 2 });
    expect(checkValue(spec('Edm.Int32', { options: [1, 2] }), 3)).toEqual({ ok: false, message: "The value 3 of 'P' is outside the valid range. Accepted Values: 1,2" });
    expect(checkValue(spec('Edm.Int32'), 1.5).ok).toBe(false);
    expect(checkValue(spec('Edm.Boolean'), 'true').ok).toBe(false);
    expect(checkValue(spec('Edm.Boolean'), false)).toEqual({ ok: true, value: false });
  });

  it('enums take a member, plain or qualified, and nothing else', () => {
    const status = spec('NS.Status', { members: ['Open', 'In Review'] });
    expect(checkValue(status, 'In Review')).toEqual({ ok: true, value: 'In Review' });
    expect(checkValue(status, "NS.Status'Open'")).toEqual({ ok: true, value: 'Open' });
    expect(checkValue(status, 'Closed').ok).toBe(false);
    expect(checkValue(status, 1).ok).toBe(false);
  });
});

describe('csdl: the $metadata document', () => {
  const schema: EntitySchema = {
    namespace: 'NS',
    typeName: 'Order',
    entitySet: 'Orders',
    properties: [
      { name: 'Id', type: 'Edm.String', key: true, maxLength: 4 },
      { name: 'Status', type: 'NS.Status', members: ['In Review', 'A&B'] },
    ],
  };

  it('lists the keys, every property, the enums and the entity set, escaped', () => {
    const xml = csdl(schema, 'Container');
    expect(xml).toContain('<PropertyRef Name="Id" />');
    expect(xml).toContain('<Property Name="Id" Type="Edm.String" Nullable="false" MaxLength="4" />');
    expect(xml).toContain('<EnumType Name="Status">');
    // member names are OData identifiers: what is not a letter or digit is encoded as _xHHHH_
    expect(xml).toContain('<Member Name="In_x0020_Review" Value="0" />');
    expect(xml).toContain('<Member Name="A_x0026_B" Value="1" />');
    expect(xml).toContain('<EntitySet Name="Orders" EntityType="NS.Order" />');
  });

  it('is what the D365 client reads its field names from', () => {
    const xml = csdl(SALES_ORDER_HEADER, 'Resources');
    const names = [...xml.matchAll(/<Property\s+Name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(SALES_ORDER_HEADER.properties.map((p) => p.name));
    expect(keyNames(SALES_ORDER_HEADER)).toEqual(['dataAreaId', 'SalesOrderNumber']);
    expect(qualifiedType(SALES_ORDER_HEADER)).toBe('Microsoft.Dynamics.DataEntities.SalesOrderHeaderV2');
    expect(property(SALES_ORDER_HEADER, 'deliverymodecode')).toBeUndefined();
  });
});
