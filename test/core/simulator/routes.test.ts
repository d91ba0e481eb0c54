import { describe, expect, it } from 'vitest';
import { addressesOrder, FO_KEY_MESSAGE, flavourOf, route, SERVICE_ROOTS } from '../../../core/simulator/routes.ts';

const GUID = '5d115c9c-44e3-ea11-bb43-000d3a2feca1';

describe('route: a request target read the way D365 reads it', () => {
  it('the token endpoint, per tenant', () => {
    expect(route('/contoso/oauth2/v2.0/token')).toEqual({ kind: 'token', tenant: 'contoso' });
  });

  it('F&O: service document, $metadata, $batch, the collection and one order by its composite key in any order', () => {
    expect(route('/data').kind).toBe('fo-service');
    expect(route('/data/').kind).toBe('fo-service');
    expect(route('/data/$metadata').kind).toBe('fo-metadata');
    expect(route('/data/$batch').kind).toBe('fo-batch');
    expect(route('/data/SalesOrderHeadersV2?$top=1').kind).toBe('fo-collection');
    const r = route("/data/SalesOrderHeadersV2(SalesOrderNumber='SO%2F1',dataAreaId='usmf')?cross-company=true&$select=A");
    expect(r).toMatchObject({ kind: 'fo-order', company: 'usmf', orderNumber: 'SO/1' });
    expect(r.kind === 'fo-order' && r.query.get('$select')).toBe('A');
    expect(route("/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='a/b')")).toMatchObject({ kind: 'fo-order', orderNumber: 'a/b' });
  });

  it('F&O: a key that is not the declared key is refused with D365\'s message; unknown segments are not found', () => {
    expect(route("/data/SalesOrderHeadersV2(SalesOrderNumber='SO-1')")).toEqual({ kind: 'bad-request', flavour: 'fo', message: FO_KEY_MESSAGE });
    expect(route("/data/SalesOrderHeadersV2(dataAreaId='U',SalesOrderNumber='S',X='1')").kind).toBe('bad-request');
    expect(route('/data/Customers')).toEqual({ kind: 'not-found', flavour: 'fo', segment: 'Customers' });
    expect(route("/data/SalesOrderHeadersV2(dataAreaId='U',SalesOrderNumber='S')/Lines")).toMatchObject({ kind: 'not-found', segment: 'Lines' });
    expect(route("/data/SalesOrderHeadersV2(dataAreaId='U")).toMatchObject({ kind: 'bad-request', flavour: 'fo' });
  });

  it('Business Central: companies by id, orders by $filter on number or by id, shipment methods', () => {
    expect(route(`/api/v2.0/companies(${GUID})`)).toMatchObject({ kind: 'bc-company', companyId: GUID });
    expect(route(`/api/v2.0/companies(${GUID})/salesOrders?$filter=number eq 'SO-1'`)).toMatchObject({ kind: 'bc-orders', companyId: GUID, orderNumber: 'SO-1' });
    expect(route(`/api/v2.0/companies(${GUID})/salesOrders`)).toMatchObject({ kind: 'bc-orders', orderNumber: undefined });
    expect(route(`/api/v2.0/companies(${GUID})/salesOrders(${GUID})`)).toMatchObject({ kind: 'bc-order', orderId: GUID });
    expect(route(`/api/v2.0/companies(${GUID})/salesOrders(id=${GUID})`)).toMatchObject({ kind: 'bc-order', orderId: GUID });
    expect(route(`/api/v2.0/companies(${GUID})/shipmentMethods`).kind).toBe('bc-shipment-methods');
    expect(route("/api/v2.0/companies('CRONUS')")).toMatchObject({ kind: 'bad-request', flavour: 'bc' });
  });

  it('Dataverse: by id, by the ordernumber alternate key, or by $filter', () => {
    expect(route(`/api/data/v9.2/salesorders(${GUID})`)).toMatchObject({ kind: 'dv-order', by: { id: GUID } });
    expect(route("/api/data/v9.2/salesorders(ordernumber='SO-1')")).toMatchObject({ kind: 'dv-order', by: { orderNumber: 'SO-1' } });
    expect(route("/api/data/v9.2/salesorders?$filter=ordernumber eq 'SO-1'")).toMatchObject({ kind: 'dv-orders', orderNumber: 'SO-1' });
    expect(route("/api/data/v9.2/salesorders(name='x')")).toMatchObject({ kind: 'bad-request', flavour: 'dataverse' });
  });

  it('a target that is not validly percent-encoded, or names nothing, is said so', () => {
    expect(route('/data/%E0%A4%A')).toMatchObject({ kind: 'bad-request', flavour: 'none', message: expect.stringContaining('not validly percent-encoded') });
    expect(route('/elsewhere')).toEqual({ kind: 'not-found', flavour: 'none', segment: '/elsewhere' });
  });

  it('flavourOf and addressesOrder', () => {
    expect(flavourOf(route('/data/$batch'))).toBe('fo');
    expect(flavourOf(route(`/api/v2.0/companies(${GUID})`))).toBe('bc');
    expect(flavourOf(route('/api/data/v9.2/$metadata'))).toBe('dataverse');
    expect(flavourOf(route('/t/oauth2/v2.0/token'))).toBeUndefined();
    expect(flavourOf(route('/nothing'))).toBeUndefined();
    expect(addressesOrder(route("/data/SalesOrderHeadersV2(dataAreaId='U',SalesOrderNumber='S')"))).toBe(true);
    expect(addressesOrder(route(`/api/v2.0/companies(${GUID})/salesOrders?$filter=number eq 'S'`))).toBe(true);
    expect(addressesOrder(route(`/api/v2.0/companies(${GUID})/salesOrders`))).toBe(false);
    expect(addressesOrder(route('/data/SalesOrderHeadersV2'))).toBe(false);
  });

  it('the service roots are where each flavour lives', () => {
    for (const [flavour, root] of Object.entries(SERVICE_ROOTS)) expect(flavourOf(route(`${root}/$metadata`))).toBe(flavour);
  });
});
