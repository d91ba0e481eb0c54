import { describe, expect, it } from 'vitest';
import { isOutboxError } from '../../../core/errors.ts';
import { orderReadUrl, orderWriteUrl, PROFILE_NAMES, PROFILES, profileNamed } from '../../../core/d365/profile.ts';
import { companyGuid } from '../../../core/simulator/bc-entity.ts';
import { route } from '../../../core/simulator/routes.ts';

const ROOT = { fo: 'https://contoso.operations.dynamics.com/data', bc: 'https://api.businesscentral.dynamics.com/v2.0/t/prod/api/v2.0', dataverse: 'https://org.crm.dynamics.com/api/data/v9.2' };
const ODD = ["O'Brien", 'SO/1', 'SO#1?x=1&y=2', 'Ünïcødé-订单-№1', "SO-1') or true or ('", 'SO 1 + 2', '%2F'];

/** The path and query of a URL, as a server receives them. */
const target = (url: string, root: string) => url.slice(new URL(root).origin.length);

describe('profileNamed', () => {
  it('knows every profile by name, and refuses another naming the ones there are', () => {
    for (const name of PROFILE_NAMES) expect(profileNamed(name)).toBe(PROFILES[name]);
    let e: unknown;
    try {
      profileNamed('crm');
    } catch (err) {
      e = err;
    }
    expect(isOutboxError(e) && e.code).toBe('BAD_INPUT');
    expect((e as Error).message).toBe('unknown entity profile "crm"; use fo (Finance & Operations), bc (Business Central) or dataverse (Dynamics 365 Sales)');
  });

  it('each profile\'s service path is where its flavour lives, and the scope follows the documented rule', () => {
    expect(PROFILES.fo.scope('https://contoso.operations.dynamics.com/')).toBe('https://contoso.operations.dynamics.com/.default');
    expect(PROFILES.dataverse.scope('https://org.crm.dynamics.com')).toBe('https://org.crm.dynamics.com/.default');
    expect(PROFILES.bc.scope('https://anything')).toBe('https://api.businesscentral.dynamics.com/.default');
    expect(PROFILES.bc.batch).toEqual({ format: 'json', maxOperations: 100 });
    expect(PROFILES.dataverse.batch.maxOperations).toBe(1000);
  });
});

describe('orderReadUrl', () => {
  it('F&O: the composite key, cross-company, and $select of the fields asked for, each once', () => {
    const url = orderReadUrl(PROFILES.fo, ROOT.fo, { company: 'USMF', orderNumber: 'SO-1' }, ['DeliveryModeCode', 'SalesOrderName', 'DeliveryModeCode']);
    expect(url).toBe(`${ROOT.fo}/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-1')?cross-company=true&$select=DeliveryModeCode%2CSalesOrderName`);
    expect(orderReadUrl(PROFILES.fo, ROOT.fo, { company: 'USMF', orderNumber: 'SO-1' }, [])).toBe(`${ROOT.fo}/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-1')?cross-company=true`);
  });

  it('F&O: whatever the order number holds, the server reads back exactly that order and company', () => {
    for (const orderNumber of ODD) {
      const r = route(target(orderReadUrl(PROFILES.fo, ROOT.fo, { company: 'US MF', orderNumber }, ['DeliveryModeCode']), ROOT.fo));
      expect(r, orderNumber).toMatchObject({ kind: 'fo-order', company: 'US MF', orderNumber });
      if (r.kind === 'fo-order') expect(r.query.get('$select')).toBe('DeliveryModeCode');
    }
  });

  it('Business Central: the company as a path segment, the order found with $filter, its id selected', () => {
    const company = companyGuid('CRONUS');
    const url = orderReadUrl(PROFILES.bc, ROOT.bc, { company, orderNumber: 'SO-1' }, ['status']);
    expect(url).toBe(`${ROOT.bc}/companies(${company})/salesOrders?$filter=number%20eq%20'SO-1'&$select=id%2Cnumber%2Cstatus`);
    for (const orderNumber of ODD) {
      const r = route(target(orderReadUrl(PROFILES.bc, `http://127.0.0.1:1/api/v2.0`, { company, orderNumber }, ['status']), 'http://127.0.0.1:1'));
      expect(r, orderNumber).toMatchObject({ kind: 'bc-orders', companyId: company, orderNumber });
    }
  });

  it('Dataverse: one organisation, no company anywhere in the URL', () => {
    const url = orderReadUrl(PROFILES.dataverse, ROOT.dataverse, { company: 'USMF', orderNumber: "O'Brien" }, ['name']);
    expect(url).toBe(`${ROOT.dataverse}/salesorders?$filter=ordernumber%20eq%20'O''Brien'&$select=salesorderid%2Cordernumber%2Cname`);
    expect(url).not.toContain('USMF');
  });
});

describe('orderWriteUrl', () => {
  it('F&O writes the key URL itself, without $select but with cross-company', () => {
    const read = orderReadUrl(PROFILES.fo, ROOT.fo, { company: 'USMF', orderNumber: 'SO-1' }, ['A']);
    expect(orderWriteUrl(PROFILES.fo, ROOT.fo, { company: 'USMF', orderNumber: 'SO-1' }, read, {})).toBe(`${ROOT.fo}/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-1')?cross-company=true`);
  });

  it('a record found with a filter is written by its own id; without an id there is no safe address', () => {
    const company = companyGuid('CRONUS');
    const key = { company, orderNumber: 'SO-1' };
    const read = orderReadUrl(PROFILES.bc, ROOT.bc, key, ['status']);
    const id = '5d115c9c-44e3-ea11-bb43-000d3a2feca1';
    expect(orderWriteUrl(PROFILES.bc, ROOT.bc, key, read, { id })).toBe(`${ROOT.bc}/companies(${company})/salesOrders(${id})`);
    expect(orderWriteUrl(PROFILES.dataverse, ROOT.dataverse, key, read, { salesorderid: id })).toBe(`${ROOT.dataverse}/salesorders(${id})`);
    expect(orderWriteUrl(PROFILES.bc, ROOT.bc, key, read, {})).toBeNull();
    expect(orderWriteUrl(PROFILES.bc, ROOT.bc, key, read, { id: '' })).toBeNull();
    expect(orderWriteUrl(PROFILES.bc, ROOT.bc, key, read, { id: 42 })).toBeNull();
    const r = route(target(orderWriteUrl(PROFILES.bc, 'http://127.0.0.1:1/api/v2.0', key, read, { id })!, 'http://127.0.0.1:1'));
    expect(r).toMatchObject({ kind: 'bc-order', companyId: company, orderId: id });
  });
});
