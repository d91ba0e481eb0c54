import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDispatcher, D365Client } from '../../../core/d365/client.ts';
import { closeNames, FieldCatalog } from '../../../core/d365/metadata.ts';
import { PROFILES } from '../../../core/d365/profile.ts';
import { isOutboxError } from '../../../core/errors.ts';
import { csdl } from '../../../core/simulator/entity-schema.ts';
import { SALES_ORDER_HEADER } from '../../../core/simulator/fo-entity.ts';
import { answeringServer, type Answer } from './answering-server.ts';

const dispatcher = createDispatcher({ connectMs: 2000, headersMs: 5000, bodyMs: 5000 });
afterAll(() => dispatcher.close());
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const METADATA: Answer = { status: 200, headers: { 'content-type': 'application/xml' }, body: csdl(SALES_ORDER_HEADER, 'Resources') };

async function catalog(answer: (n: number) => Answer, o: { waitMs?: number; retryAfterMs?: number; now?: () => number } = {}) {
  const server = await answeringServer((_r, n) => answer(n));
  closers.push(() => server.close());
  const client = new D365Client({ serviceRoot: `${server.url}/data`, profile: PROFILES.fo, tokens: { token: async () => 't', invalidate() {} }, dispatcher });
  return { server, catalog: new FieldCatalog(client, o) };
}

describe('FieldCatalog: field names checked against $metadata when queued', () => {
  it('takes names the entity has; refuses each unknown one with the closest valid names; reads $metadata once', async () => {
    const { server, catalog: c } = await catalog(() => METADATA);
    expect(await c.check(['DeliveryModeCode', 'SalesOrderName'])).toEqual({ checked: true });
    const e = await c.check(['deliverymodecode', 'RequestedShipingDate', 'Zzzzzzzzzz']).then(() => null, (err: unknown) => err);
    expect(isOutboxError(e) && e.code).toBe('BAD_INPUT');
    expect((e as Error).message).toBe(
      'SalesOrderHeadersV2 has no field "deliverymodecode" (did you mean DeliveryModeCode?); ' +
        'SalesOrderHeadersV2 has no field "RequestedShipingDate" (did you mean RequestedShippingDate, RequestedReceiptDate?); ' +
        'SalesOrderHeadersV2 has no field "Zzzzzzzzzz"',
    );
    await Promise.all([c.check(['CurrencyCode']), c.check(['CurrencyCode'])]);
    expect(server.received.filter((r) => r.url.endsWith('/$metadata'))).toHaveLength(1);
  });

  it('callers checking at once share one read', async () => {
    const { server, catalog: c } = await catalog(() => METADATA);
    expect(await Promise.all([c.check(['DeliveryModeCode']), c.check(['SalesOrderName']), c.check(['CurrencyCode'])])).toEqual([{ checked: true }, { checked: true }, { checked: true }]);
    expect(server.received).toHaveLength(1);
  });

  it('metadata that cannot be read lets the update through unchecked, saying why; not asked again for a while', async () => {
    let t = 0;
    const { server, catalog: c } = await catalog((n) => (n === 1 ? { status: 503, body: '' } : METADATA), { now: () => t, retryAfterMs: 30_000 });
    const first = await c.check(['NoSuchField']);
    expect(first).toEqual({ checked: false, note: expect.stringMatching(/^Field names were not checked against D365 \(\$metadata could not be read: GET \$metadata: D365 is throttling requests \(503\)\)\.$/) });
    t = 29_999;
    expect((await c.check(['NoSuchField'])).checked).toBe(false);
    expect(server.received).toHaveLength(1);
    t = 30_000;
    await expect(c.check(['NoSuchField'])).rejects.toThrow(/has no field "NoSuchField"/);
    expect(server.received).toHaveLength(2);
  });

  it('a person waiting on enqueue is not held longer than waitMs for a slow $metadata', async () => {
    const { catalog: c } = await catalog(() => ({ status: 200, hang: true }), { waitMs: 100 });
    expect(await c.check(['DeliveryModeCode'])).toEqual({ checked: false, note: 'Field names were not checked against D365 ($metadata did not answer within 100 ms).' });
  });
});

describe('closeNames', () => {
  const known = ['DeliveryModeCode', 'DeliveryAddressName', 'RequestedShippingDate', 'RequestedReceiptDate', 'SalesOrderName', 'CurrencyCode'];

  it('the same letters in another case first, then containing names, then by edit distance; at most three', () => {
    expect(closeNames('deliverymodecode', known)).toEqual(['DeliveryModeCode']);
    expect(closeNames('Currency', known)[0]).toBe('CurrencyCode');
    expect(closeNames('RequestedShipingDate', known)).toEqual(['RequestedShippingDate', 'RequestedReceiptDate']);
    expect(closeNames('Delivery', known, 3).length).toBeLessThanOrEqual(3);
    expect(closeNames('Delivery', known, 1)).toHaveLength(1);
  });

  it('nothing for a name far from every known one', () => {
    expect(closeNames('Zzzzzzzzzz', known)).toEqual([]);
    expect(closeNames('x', [])).toEqual([]);
  });
});
