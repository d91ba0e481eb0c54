import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackgroundWriters, DEFAULT_WRITERS, entityField, knownField, resolveWriters, writerChange } from '../../../core/simulator/background-writers.ts';
import { bcMirror, SHIPMENT_METHODS } from '../../../core/simulator/bc-entity.ts';
import { defaultFoOrder } from '../../../core/simulator/fo-entity.ts';
import { OrderBook } from '../../../core/simulator/order-book.ts';
import { createRng } from '../../../core/simulator/rng.ts';

afterEach(() => vi.useRealTimers());

function setUp() {
  const book = new OrderBook(createRng(1), () => Date.UTC(2026, 10, 22), { bc: { id: 'id', modified: 'lastModifiedDateTime' } });
  const fo = book.put('fo', 'USMF', 'SO-1', defaultFoOrder('USMF', 'SO-1', 0));
  book.put('bc', 'USMF', 'SO-1', bcMirror('USMF', fo.fields));
  return { book, fo };
}

describe('resolveWriters', () => {
  it('fills the defaults and refuses what no writer could do, naming it', () => {
    expect(resolveWriters()).toEqual(DEFAULT_WRITERS);
    expect(() => resolveWriters({ noiseFields: ['Nope'] })).toThrow("writers cannot touch unknown field 'Nope'");
    expect(() => resolveWriters({ onRequest: 1.5 })).toThrow('writers.onRequest must be a probability between 0 and 1, not 1.5');
    expect(() => resolveWriters({ sameFieldProbability: Number.NaN })).toThrow(/sameFieldProbability/);
    expect(() => resolveWriters({ perSecond: -1 })).toThrow(/perSecond must be >= 0/);
    expect(() => resolveWriters({ perSecond: Number.POSITIVE_INFINITY })).toThrow(/perSecond/);
  });

  it('field names: F&O names count for every flavour, each flavour\'s own only for it', () => {
    expect(entityField('bc', 'DeliveryModeCode')).toBe('shipmentMethodId');
    expect(entityField('fo', 'shipmentMethodId')).toBeUndefined();
    expect(entityField('dataverse', 'SalesOrderName')).toBe('name');
    expect(knownField('shipToName')).toBe(true);
    expect(knownField('Nope')).toBe(false);
  });
});

describe('writerChange: what another user changes', () => {
  it('one field, noise by default and a contested one with sameFieldProbability, always to a new value', () => {
    const { fo } = setUp();
    const rng = createRng(4);
    const noise = resolveWriters({ sameFieldProbability: 0 });
    const contested = resolveWriters({ sameFieldProbability: 1 });
    for (let i = 0; i < 50; i++) {
      const n = writerChange(rng, 'fo', fo.fields, noise)!;
      expect(Object.keys(n)).toHaveLength(1);
      expect(DEFAULT_WRITERS.noiseFields).toContain(Object.keys(n)[0]);
      const c = writerChange(rng, 'fo', fo.fields, contested)!;
      const [field, value] = Object.entries(c)[0]!;
      expect(DEFAULT_WRITERS.contestedFields).toContain(field);
      expect(value).not.toBe(fo.fields[field]);
    }
  });

  it('falls back to the other kind when the preferred fields cannot change, and to nothing when none can', () => {
    const closed = { ...defaultFoOrder('USMF', 'SO-1', 0), SalesOrderStatus: 'Invoiced' };
    const onlyStatus = resolveWriters({ sameFieldProbability: 1, contestedFields: ['SalesOrderStatus'], noiseFields: ['SalesOrderName'] });
    expect(Object.keys(writerChange(createRng(1), 'fo', closed, onlyStatus)!)).toEqual(['SalesOrderName']);
    const nothing = resolveWriters({ contestedFields: ['SalesOrderStatus'], noiseFields: ['SalesOrderStatus'] });
    expect(writerChange(createRng(1), 'fo', closed, nothing)).toBeUndefined();
  });

  it('is reproducible from the seed', () => {
    const { fo } = setUp();
    const run = () => Array.from({ length: 10 }, ((rng) => () => writerChange(rng, 'fo', fo.fields, DEFAULT_WRITERS))(createRng(11)));
    expect(run()).toEqual(run());
  });
});

describe('BackgroundWriters', () => {
  it('a write by someone else is logged as the writer, F&O names and values translated for Business Central', () => {
    const { book } = setUp();
    const w = new BackgroundWriters(book, createRng(1), Date.now, {});
    w.write(book.get('bc', 'USMF', 'SO-1')!, { DeliveryModeCode: '20', shipToName: 'Dock 9' });
    expect(book.get('bc', 'USMF', 'SO-1')!.fields).toMatchObject({ shipmentMethodId: SHIPMENT_METHODS[1]!.id, shipToName: 'Dock 9' });
    expect(book.writeLog.at(-1)).toMatchObject({ by: 'writer', entity: 'bc' });
    expect(() => w.write(book.get('fo', 'USMF', 'SO-1')!, { shipToName: 'x' })).toThrow("SalesOrderHeaderV2 has no field 'shipToName'");
    w.stop();
  });

  it('before a client touches an order: a scripted write always, a random one with onRequest, never inside a changeset holding the row', () => {
    const { book, fo } = setUp();
    const always = new BackgroundWriters(book, createRng(1), Date.now, { onRequest: 1 });
    const touched = always.beforeClientTouch(fo, undefined);
    expect(touched.etag).not.toBe(fo.etag);
    expect(always.beforeClientTouch(touched, { SalesOrderName: 'scripted' }).fields.SalesOrderName).toBe('scripted');
    book.beginChangeset();
    book.write(book.get('fo', 'USMF', 'SO-1')!, { CurrencyCode: 'EUR' }, 'client');
    const locked = book.get('fo', 'USMF', 'SO-1')!;
    expect(always.beforeClientTouch(locked, undefined).etag).toBe(locked.etag);
    book.commitChangeset();
    const never = new BackgroundWriters(book, createRng(1), Date.now, { onRequest: 0 });
    const now = book.get('fo', 'USMF', 'SO-1')!;
    expect(never.beforeClientTouch(now, undefined).etag).toBe(now.etag);
    always.stop();
    never.stop();
  });

  it('on a timer, perSecond writes to the flavours clients use, until stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { book } = setUp();
    const w = new BackgroundWriters(book, createRng(1), Date.now, { perSecond: 10 });
    w.clientFlavours.add('bc');
    await vi.advanceTimersByTimeAsync(1000);
    const written = book.writeLog.length;
    expect(written).toBeGreaterThanOrEqual(9);
    expect(written).toBeLessThanOrEqual(10);
    expect(book.writeLog.every((e) => e.entity === 'bc' && e.by === 'writer')).toBe(true);
    w.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(book.writeLog).toHaveLength(written);
  });
});
