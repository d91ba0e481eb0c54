import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../../core/simulator/order-book.ts';
import { createRng } from '../../../core/simulator/rng.ts';

function book(now = () => Date.UTC(2026, 10, 22, 8)) {
  return new OrderBook(createRng(1), now, { bc: { id: 'id', modified: 'lastModifiedDateTime' } });
}

describe('OrderBook', () => {
  it('one order per flavour, company and number, the company and number case-insensitive (SQL collation)', () => {
    const b = book();
    b.put('fo', 'USMF', 'SO-1', { A: 1 });
    expect(b.get('fo', 'usmf', 'so-1')?.fields.A).toBe(1);
    expect(b.get('bc', 'USMF', 'SO-1')).toBeUndefined();
    b.put('fo', 'usmf', 'SO-1', { A: 2 });
    expect(b.count('fo')).toBe(1);
    expect(b.companies()).toEqual(['USMF']);
    expect(b.list('fo', 'Usmf').map((o) => o.fields.A)).toEqual([2]);
  });

  it('every write gives a new ETag, never one seen before, and logs who wrote what', () => {
    const b = book();
    const o = b.put('fo', 'USMF', 'SO-1', { A: 1 });
    const seen = new Set([o.etag]);
    let current = o;
    for (let i = 0; i < 50; i++) {
      current = b.write(current, { A: i }, i % 2 ? 'writer' : 'client');
      expect(seen.has(current.etag)).toBe(false);
      seen.add(current.etag);
    }
    expect(o.etag).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
    expect(b.writeLog).toHaveLength(50);
    expect(b.writeLog[0]).toMatchObject({ seq: 1, by: 'client', entity: 'fo', orderNumber: 'SO-1', fields: { A: 0 }, etagBefore: o.etag });
    expect(b.writeLog[1]!.etagBefore).toBe(b.writeLog[0]!.etagAfter);
  });

  it('stamps the modification time on every write, later each time even within one millisecond; not a logged field', () => {
    const b = book(() => Date.UTC(2026, 10, 22, 8));
    const o = b.put('bc', 'USMF', 'SO-1', { id: 'ABC', status: 'Draft' });
    const w1 = b.write(o, { status: 'Open' }, 'client');
    const w2 = b.write(w1, { status: 'Released' }, 'client');
    expect(Date.parse(String(w2.fields.lastModifiedDateTime))).toBeGreaterThan(Date.parse(String(w1.fields.lastModifiedDateTime)));
    expect(b.writeLog[1]!.fields).toEqual({ status: 'Released' });
    expect(b.findById('bc', 'usmf', 'abc')?.orderNumber).toBe('SO-1');
    expect(b.findById('fo', 'USMF', 'ABC')).toBeUndefined();
  });

  it('a changeset is all or nothing: rollback restores every order it wrote and removes those it created', () => {
    const b = book();
    const a = b.put('fo', 'USMF', 'SO-1', { A: 1 });
    b.beginChangeset();
    expect(() => b.beginChangeset()).toThrow('changesets do not nest');
    b.write(a, { A: 2 }, 'client');
    b.put('fo', 'USMF', 'SO-NEW', { A: 9 });
    expect(b.lockedByChangeset(a)).toBe(true);
    // another user's write meanwhile stands: only the changeset's own writes are undone
    b.write(b.get('fo', 'USMF', 'SO-1')!, { B: 'theirs' }, 'writer');
    b.rollbackChangeset();
    expect(b.get('fo', 'USMF', 'SO-1')!.fields).toEqual({ A: 1 });
    expect(b.get('fo', 'USMF', 'SO-NEW')).toBeUndefined();
    expect(b.count('fo')).toBe(1);
    expect(b.writeLog.map((w) => w.by)).toEqual(['writer']);
  });

  it('a committed changeset shows in the log as one unit, when it commits', () => {
    const b = book();
    const a = b.put('fo', 'USMF', 'SO-1', { A: 1 });
    b.beginChangeset();
    const w = b.write(a, { A: 2 }, 'client');
    b.write(w, { A: 3 }, 'client');
    expect(b.writeLog).toHaveLength(0);
    b.commitChangeset();
    expect(b.writeLog.map((e) => e.fields.A)).toEqual([2, 3]);
    expect(b.lockedByChangeset(a)).toBe(false);
  });

  it('ETags look like each flavour\'s: F&O and BC base64 text, Dataverse a version number', () => {
    const b = book();
    expect(Buffer.from(b.put('fo', 'U', '1', {}).etag.slice(3, -1), 'base64').toString()).toMatch(/^'1,\d+;0,0;0,0'$/);
    expect(b.put('dataverse', 'U', '1', {}).etag).toMatch(/^W\/"\d+"$/);
  });
});
