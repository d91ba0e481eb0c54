import { describe, expect, it, vi } from 'vitest';
import type { Statement } from 'better-sqlite3';
import { isOutboxError } from '../../../core/errors.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { UPDATE_STATES, type UpdateState } from '../../../core/outbox/types.ts';
import { badInputMessage, input, manualClock, openTestOutbox, track } from './fixtures.ts';

describe('enqueue', () => {
  it('stores the update and a queued event', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const r = outbox.enqueue(input('SO-2025-0145', { SalesOrderStatus: 'Delivered', Qty: 3, Rush: true, Note: null }, { base: { SalesOrderStatus: 'Backorder' } }));
    expect(r).toEqual({ id: 1, coalesced: false });
    expect(outbox.get(1)).toEqual({
      id: 1,
      profile: 'fo',
      company: 'USMF',
      orderNumber: 'SO-2025-0145',
      fields: { SalesOrderStatus: 'Delivered', Qty: 3, Rush: true, Note: null },
      base: { SalesOrderStatus: 'Backorder' },
      source: 'cli',
      queuedBy: 'tester@host',
      state: 'pending',
      recheck: false,
      attempts: 0,
      nextAttemptAt: clock.now(),
      lastError: null,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    expect(outbox.history(1)).toEqual([
      {
        id: 1,
        updateId: 1,
        at: clock.now(),
        kind: 'queued',
        detail: { fields: { SalesOrderStatus: 'Delivered', Qty: 3, Rush: true, Note: null }, base: { SalesOrderStatus: 'Backorder' }, source: 'cli', by: 'tester@host' },
      },
    ]);
    expect(outbox.get(2)).toBeNull();
  });

  it('refuses bad input, saying what is wrong, and stores nothing', () => {
    const { outbox } = openTestOutbox();
    expect(badInputMessage(() => outbox.enqueue(input('SO-1', { 'Foo Bar': 'x' })))).toMatch(/"Foo Bar" is not a valid D365 field name/);
    expect(badInputMessage(() => outbox.enqueue(input('SO-1', {})))).toMatch(/changes no field/);
    expect(badInputMessage(() => outbox.enqueue(input('   ', { A: '1' })))).toMatch(/order number is empty/);
    expect(badInputMessage(() => outbox.enqueue(input('SO\u00001', { A: '1' })))).toMatch(/control character/);
    expect(badInputMessage(() => outbox.enqueue(input('SO-1', { A: '1' }, { company: '' })))).toMatch(/company is empty/);
    expect(badInputMessage(() => outbox.enqueue(input('SO-1', { A: '1' }, { base: { B: '2' } })))).toMatch(/base value given for B/);
    expect(badInputMessage(() => outbox.enqueue(input('SO-1', { A: Number.NaN })))).toMatch(/not a finite number/);
    expect(badInputMessage(() => outbox.enqueue(input('SO-1', { A: 'x'.repeat(4001) })))).toMatch(/limit is 4000/);
    expect(badInputMessage(() => outbox.enqueue(input('S'.repeat(201), { A: '1' })))).toMatch(/limit is 200/);
    expect(badInputMessage(() => outbox.enqueue(input('SO-1', { A: '1' }, { source: 'fax' as never })))).toMatch(/unknown source/);
    expect(outbox.counts().pending).toBe(0);
  });

  it('enqueueMany is all or nothing', () => {
    const { outbox } = openTestOutbox();
    outbox.enqueue(input('SO-0', { A: '0' }));
    expect(() => outbox.enqueueMany([input('SO-1', { A: '1' }), input('SO-2', { A: '2' }), input('SO-3', { 'B B': '3' })])).toThrow(/not a valid D365 field name/);
    expect(outbox.counts().pending).toBe(1);
    expect([...outbox.iterate()].map((u) => u.orderNumber)).toEqual(['SO-0']);
    expect(outbox.history(1)).toHaveLength(1);
  });

  const ODD = ["O'Brien", "SO-1') or true or ('", 'SO/2025/0145', 'SO#12', 'SO 12 A', 'Ünïcødé-№5', '注文-０１', 'emoji-📦', 'a"b', 'semi;colon', '%_like'];
  it('keeps odd order numbers exactly, and finds them by prefix', () => {
    const { outbox } = openTestOutbox();
    const ids = ODD.map((o) => outbox.enqueue(input(o, { SalesOrderStatus: o })).id);
    ids.forEach((id, i) => {
      expect(outbox.get(id)).toMatchObject({ orderNumber: ODD[i], fields: { SalesOrderStatus: ODD[i] } });
    });
    for (const o of ODD) {
      const found = outbox.page({ search: o, limit: 50 }).items.map((u) => u.orderNumber);
      expect(found).toEqual([o]);
    }
    // LIKE wildcards in a search are plain characters
    expect(outbox.page({ search: '%', limit: 50 }).items.map((u) => u.orderNumber)).toEqual(['%_like']);
    expect(outbox.page({ search: "SO-1'", limit: 50 }).items.map((u) => u.orderNumber)).toEqual(["SO-1') or true or ('"]);
    // the injection-shaped one is just text: the table is intact and nothing else matches
    expect(outbox.counts().pending).toBe(ODD.length);
  });

  it('trims the order number but keeps inner spaces', () => {
    const { outbox } = openTestOutbox();
    const { id } = outbox.enqueue(input('  SO 12 A  ', { A: '1' }));
    expect(outbox.get(id)?.orderNumber).toBe('SO 12 A');
  });
});

describe('coalescing', () => {
  it('merges pending updates of one order field by field, later wins, earliest base kept', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const a = outbox.enqueue(input('SO-1', { SalesOrderStatus: 'Picked', ShippingDate: '2026-12-01' }, { base: { SalesOrderStatus: 'Open' }, queuedBy: 'alice' }));
    clock.tick();
    const other = outbox.enqueue(input('SO-2', { SalesOrderStatus: 'Picked' }));
    clock.tick();
    const b = outbox.enqueue(
      input('SO-1', { SalesOrderStatus: 'Delivered', DeliveryModeCode: 'AIR' }, { base: { SalesOrderStatus: 'Picked', DeliveryModeCode: 'TRUCK' }, queuedBy: 'bob', source: 'csv' }),
    );
    expect(b).toEqual({ id: a.id, coalesced: true });
    expect(other.id).not.toBe(a.id);
    const u = outbox.get(a.id)!;
    expect(u.fields).toEqual({ SalesOrderStatus: 'Delivered', ShippingDate: '2026-12-01', DeliveryModeCode: 'AIR' });
    expect(u.base).toEqual({ SalesOrderStatus: 'Open', DeliveryModeCode: 'TRUCK' });
    expect(u.updatedAt).toBe(clock.now());
    expect(u.createdAt).toBe(clock.now() - 2);
    // each original stays in the history exactly as it was asked for
    expect(outbox.history(a.id).map((h) => [h.kind, h.detail])).toEqual([
      ['queued', { fields: { SalesOrderStatus: 'Picked', ShippingDate: '2026-12-01' }, base: { SalesOrderStatus: 'Open' }, source: 'cli', by: 'alice' }],
      [
        'coalesced',
        { fields: { SalesOrderStatus: 'Delivered', DeliveryModeCode: 'AIR' }, base: { SalesOrderStatus: 'Picked', DeliveryModeCode: 'TRUCK' }, source: 'csv', by: 'bob' },
      ],
    ]);
    expect(outbox.counts().pending).toBe(2);
  });

  it('keys on profile and company too', () => {
    const { outbox } = openTestOutbox();
    const a = outbox.enqueue(input('SO-1', { A: '1' }));
    expect(outbox.enqueue(input('SO-1', { A: '2' }, { company: 'DEMF' })).coalesced).toBe(false);
    expect(outbox.enqueue(input('SO-1', { A: '3' }, { profile: 'bc' })).coalesced).toBe(false);
    expect(outbox.enqueue(input('so-1', { A: '4' })).coalesced).toBe(false);
    expect(outbox.enqueue(input('SO-1', { A: '5' })).id).toBe(a.id);
  });

  for (const state of ['held', 'sending', 'done', 'failed', 'conflict'] as const) {
    it(`does not merge into a ${state} update; a new one queues behind it`, () => {
      const { outbox } = openTestOutbox();
      const a = outbox.enqueue(input('SO-1', { A: '1' }));
      if (state === 'held') outbox.hold(a.id, 'me');
      else {
        outbox.claim(a.id);
        if (state === 'done') outbox.markDone(a.id, {});
        if (state === 'failed') outbox.markFailed(a.id, { code: 'X', message: 'x' });
        if (state === 'conflict') outbox.markConflict(a.id, [{ field: 'A', base: '0', ours: '1', theirs: '2' }], null);
      }
      const b = outbox.enqueue(input('SO-1', { A: '2', B: '3' }));
      expect(b.coalesced).toBe(false);
      expect(b.id).not.toBe(a.id);
      expect(outbox.get(a.id)?.fields).toEqual({ A: '1' });
      // and the next one merges into the new pending one, not the earlier
      expect(outbox.enqueue(input('SO-1', { C: '4' }))).toEqual({ id: b.id, coalesced: true });
      expect(outbox.get(b.id)?.fields).toEqual({ A: '2', B: '3', C: '4' });
    });
  }
});

describe('nextDue', () => {
  it('takes due updates by due time, then queue order', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const t0 = clock.now();
    const a = outbox.enqueue(input('SO-A', { X: '1' })).id;
    const b = outbox.enqueue(input('SO-B', { X: '1' })).id;
    const c = outbox.enqueue(input('SO-C', { X: '1' })).id;
    // a is pushed back; b and c share a due time
    outbox.claim(a);
    outbox.defer(a, t0 + 500, null);
    expect(outbox.nextDue(t0)?.id).toBe(b);
    outbox.claim(b);
    expect(outbox.nextDue(t0)?.id).toBe(c);
    outbox.claim(c);
    expect(outbox.nextDue(t0)).toBeNull();
    expect(outbox.nextDueAt()).toBe(t0 + 500);
    expect(outbox.nextDue(t0 + 499)).toBeNull();
    expect(outbox.nextDue(t0 + 500)?.id).toBe(a);
  });

  it('an earlier due time wins over queue order', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const a = outbox.enqueue(input('SO-A', { X: '1' })).id;
    clock.tick(10);
    const b = outbox.enqueue(input('SO-B', { X: '1' })).id;
    outbox.claim(a);
    outbox.defer(a, clock.now() + 1000, null);
    expect(outbox.nextDue(clock.now() + 5000)?.id).toBe(b);
  });

  for (const blocker of ['pending', 'sending', 'held'] as const) {
    it(`a later update of an order never overtakes an earlier ${blocker} one`, () => {
      const clock = manualClock();
      const { outbox } = openTestOutbox({ now: clock.now });
      const first = outbox.enqueue(input('SO-1', { A: '1' })).id;
      outbox.hold(first, 'me');
      const second = outbox.enqueue(input('SO-1', { B: '2' })).id;
      expect(second).not.toBe(first);
      const otherOrder = outbox.enqueue(input('SO-2', { B: '2' })).id;
      if (blocker === 'pending' || blocker === 'sending') outbox.release(first, 'me');
      if (blocker === 'sending') outbox.claim(first);
      if (blocker === 'pending') {
        // the earlier one is not due yet, the later one is: still the later one must wait
        outbox.claim(first);
        outbox.defer(first, clock.now() + 60_000, null);
      }
      expect(outbox.nextDue(clock.now())?.id).toBe(otherOrder);
      outbox.claim(otherOrder);
      expect(outbox.nextDue(clock.now())).toBeNull();
      if (blocker === 'held') outbox.release(first, 'me');
      if (blocker === 'pending') clock.tick(60_000);
      if (blocker !== 'sending') {
        expect(outbox.nextDue(clock.now())?.id).toBe(first);
        outbox.claim(first);
      }
      outbox.markDone(first, {});
      expect(outbox.nextDue(clock.now())?.id).toBe(second);
    });
  }
});

describe('counts', () => {
  it('match a GROUP BY after 10,000 enqueues and a random mix of transitions', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const results = outbox.enqueueMany(Array.from({ length: 10_000 }, (_, i) => input(`SO-${String(i).padStart(5, '0')}`, { SalesOrderStatus: 'Delivered' })));
    expect(new Set(results.map((r) => r.id)).size).toBe(10_000);
    expect(outbox.counts()).toEqual({ pending: 10_000, sending: 0, done: 0, conflict: 0, failed: 0, held: 0 });

    // a seeded walk so a failure replays
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const moves: ((id: number) => void)[] = [
      (id) => outbox.hold(id, 'me'),
      (id) => outbox.release(id, 'me'),
      (id) => outbox.cancel(id, 'me'),
      (id) => outbox.claim(id),
      (id) => outbox.markDone(id, {}),
      (id) => outbox.markFailed(id, { code: 'E', message: 'e' }),
      (id) => outbox.defer(id, clock.now(), null),
      (id) => outbox.markConflict(id, [{ field: 'SalesOrderStatus', base: 'a', ours: 'b', theirs: 'c' }], null),
      (id) => outbox.resolve(id, { action: rand(2) ? 'keep-mine' : 'take-theirs' }, 'me'),
    ];
    let applied = 0;
    let refused = 0;
    outbox.transaction(() => {
      for (let i = 0; i < 20_000; i++) {
        try {
          moves[rand(moves.length)]!(1 + rand(10_000));
          applied++;
        } catch (e) {
          if (!isOutboxError(e) || e.code !== 'INVALID_STATE') throw e;
          refused++;
        }
      }
    });
    expect(applied).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
    outbox.recoverInterrupted();
    const truth = Object.fromEntries(UPDATE_STATES.map((s) => [s, 0])) as Record<UpdateState, number>;
    for (const r of outbox.db.prepare('SELECT state, count(*) AS n FROM updates GROUP BY state').all() as { state: UpdateState; n: number }[]) truth[r.state] = r.n;
    expect(outbox.counts()).toEqual(truth);
    expect(Object.values(truth).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Object.values(truth).filter((n) => n > 0).length).toBeGreaterThanOrEqual(4);

    // and they survive a reopen
    outbox.close();
    const again = track(Outbox.open(outbox.file));
    expect(again.counts()).toEqual(truth);
  });
});

describe('paging', () => {
  it('walks several pages with a keyset cursor, newest first, every row exactly once', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    for (let i = 0; i < 257; i++) {
      outbox.enqueue(input(`SO-${i}`, { A: String(i) }));
      // several rows share a timestamp: the id breaks the tie
      if (i % 3 === 0) clock.tick();
    }
    for (let id = 1; id <= 257; id += 4) outbox.hold(id, 'me');

    for (const state of [undefined, 'pending', 'held'] as const) {
      const seen: number[] = [];
      let after;
      let pages = 0;
      do {
        const page = outbox.page({ state, limit: 20, after });
        seen.push(...page.items.map((u) => u.id));
        if (state) expect(page.items.every((u) => u.state === state)).toBe(true);
        after = page.next ?? undefined;
        pages++;
        expect(pages).toBeLessThan(50);
      } while (after);
      const expected = [...outbox.iterate(state)].sort((x, y) => y.updatedAt - x.updatedAt || y.id - x.id).map((u) => u.id);
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBeGreaterThan(2);
    }
  });

  it('a page exactly filled has no next cursor; limits are clamped', () => {
    const { outbox } = openTestOutbox();
    for (let i = 0; i < 10; i++) outbox.enqueue(input(`SO-${i}`, { A: '1' }));
    expect(outbox.page({ limit: 10 }).next).toBeNull();
    expect(outbox.page({ limit: 9 }).next).not.toBeNull();
    expect(outbox.page({ limit: 0 }).items).toHaveLength(1);
  });

  it('searches the order number anywhere and in any case, combined with a state (more in search.test.ts)', () => {
    const { outbox } = openTestOutbox();
    for (const o of ['SO-100', 'SO-101', 'SO-1', 'SO-200', 'XSO-100', 'so-100']) outbox.enqueue(input(o, { A: '1' }));
    outbox.hold(2, 'me');
    const found = (q: Parameters<Outbox['page']>[0]) => outbox.page(q).items.map((u) => u.orderNumber).sort();
    expect(found({ search: 'SO-1', limit: 100 })).toEqual(['SO-1', 'SO-100', 'SO-101', 'XSO-100', 'so-100']);
    expect(found({ search: 'SO-10', limit: 100 })).toEqual(['SO-100', 'SO-101', 'XSO-100', 'so-100']);
    expect(found({ search: 'SO-10', state: 'held', limit: 100 })).toEqual(['SO-101']);
    expect(found({ search: 'ZZ', limit: 100 })).toEqual([]);
  });
});

describe('query plans', () => {
  function plan(outbox: Outbox, sql: string, params: unknown): string[] {
    const rows = outbox.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as never) as { detail: string }[];
    return rows.map((r) => r.detail);
  }

  function fill(outbox: Outbox) {
    outbox.enqueueMany(Array.from({ length: 2000 }, (_, i) => input(`SO-${i}`, { A: '1' })));
  }

  it('nextDue searches an index, with no full scan and no sort', () => {
    const { outbox } = openTestOutbox();
    fill(outbox);
    const sql = (outbox as unknown as { stmt: Record<string, Statement> }).stmt.nextDue!.source;
    const detail = plan(outbox, sql, [Date.now(), 50]);
    expect(detail.join('\n')).toMatch(/SEARCH u USING (COVERING )?INDEX updates_due/);
    expect(detail.join('\n')).toMatch(/SEARCH e USING (COVERING )?INDEX updates_order/);
    expect(detail.filter((d) => d.startsWith('SCAN'))).toEqual([]);
    expect(detail.filter((d) => d.includes('TEMP B-TREE'))).toEqual([]);
  });

  for (const withCursor of [false, true]) {
    it(`paging by state uses the state/time index ${withCursor ? 'with' : 'without'} a cursor`, () => {
      const { outbox } = openTestOutbox();
      fill(outbox);
      const prepare = vi.spyOn(outbox.db, 'prepare');
      const first = outbox.page({ state: 'pending', limit: 50 });
      outbox.page({ state: 'pending', limit: 50, after: withCursor ? first.next! : undefined });
      const call = prepare.mock.calls.at(-1)!;
      prepare.mockRestore();
      const params: Record<string, unknown> = { state: 'pending', limit: 51 };
      if (withCursor) Object.assign(params, { afterAt: first.next!.updatedAt, afterId: first.next!.id });
      const detail = plan(outbox, call[0], params);
      expect(detail.join('\n')).toMatch(/SEARCH updates USING INDEX updates_state_time \(state=?/);
      expect(detail.filter((d) => d.startsWith('SCAN'))).toEqual([]);
      expect(detail.filter((d) => d.includes('TEMP B-TREE'))).toEqual([]);
    });
  }

  it('the order lookup behind coalescing uses the order index', () => {
    const { outbox } = openTestOutbox();
    fill(outbox);
    const sql = (outbox as unknown as { stmt: Record<string, Statement> }).stmt.lastOfOrder!.source;
    expect(plan(outbox, sql, ['fo', 'USMF', 'SO-1']).join('\n')).toMatch(/SEARCH updates USING INDEX updates_order/);
  });
});
