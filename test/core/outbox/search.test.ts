import { describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { openDatabase } from '../../../core/outbox/database.ts';
import { MIGRATIONS } from '../../../core/outbox/migrations.ts';
import { Outbox, type PageQuery } from '../../../core/outbox/outbox.ts';
import { MATCH_CAP, containsGlob, normaliseSearch } from '../../../core/outbox/search.ts';
import type { Update } from '../../../core/outbox/types.ts';
import { input, manualClock, openTestOutbox, tempDir, track } from './fixtures.ts';

const orders = (outbox: Outbox, q: Omit<PageQuery, 'limit'> & { limit?: number }) =>
  outbox.page({ limit: 100, ...q }).items.map((u) => u.orderNumber);

/** Every page of a search, following the cursor. */
function allPages(outbox: Outbox, q: Omit<PageQuery, 'limit' | 'after'>, limit: number): Update[] {
  const seen: Update[] = [];
  let after: PageQuery['after'];
  for (let pages = 0; pages < 1000; pages++) {
    const page = outbox.page({ ...q, limit, after });
    seen.push(...page.items);
    if (!page.next) return seen;
    after = page.next;
  }
  throw new Error('paging did not end');
}

/** What a search must find, worked out the slow way in JavaScript. */
function expected(outbox: Outbox, term: string, state?: Update['state']): number[] {
  const t = term.toLowerCase();
  return [...outbox.iterate(state)]
    .filter((u) => [u.orderNumber, ...Object.values(u.fields).filter((v) => typeof v === 'string' || typeof v === 'number').map(String)].some((s) => s.toLowerCase().includes(t)))
    .sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id)
    .map((u) => u.id);
}

describe('queue search', () => {
  it('finds a term in any case, anywhere in the order number or in a value', () => {
    const { outbox } = openTestOutbox();
    outbox.enqueue(input('SO-1150', { SalesOrderStatus: 'Delivered' }));
    outbox.enqueue(input('SO-2119999-A', { DeliveryModeCode: '10' }));
    outbox.enqueue(input('SO-7', { CustomerName: 'Müller GmbH', Qty: 119999 }));
    outbox.enqueue(input('SO-8', { CustomerName: 'Mueller AG', Note: null, Rush: true }));

    expect(orders(outbox, { search: 'so-1150' })).toEqual(['SO-1150']);
    expect(orders(outbox, { search: '119999' })).toEqual(['SO-7', 'SO-2119999-A']);
    for (const term of ['Müller', 'müller', 'MÜLLER', 'ÜLLER G']) expect(orders(outbox, { search: term }), term).toEqual(['SO-7']);
    expect(orders(outbox, { search: 'deliv' })).toEqual(['SO-1150']);
    // field names are not values; null and booleans are not text
    expect(orders(outbox, { search: 'SalesOrderStatus' })).toEqual([]);
    expect(orders(outbox, { search: 'true' })).toEqual([]);
    expect(orders(outbox, { search: 'null' })).toEqual([]);
    // a term never spans the order number and a value, or two values
    expect(orders(outbox, { search: '1150Deliv' })).toEqual([]);
    expect(orders(outbox, { search: 'GmbH119' })).toEqual([]);
  });

  it('short terms (under three characters) are found too, in any case', () => {
    const { outbox } = openTestOutbox();
    outbox.enqueue(input('SO-1', { CustomerName: 'Jürgen' }));
    outbox.enqueue(input('SO-2', { CustomerName: 'ÜBER' }));
    outbox.enqueue(input('X-3', { CustomerName: 'plain' }));
    expect(orders(outbox, { search: 'ü' })).toEqual(['SO-2', 'SO-1']);
    expect(orders(outbox, { search: 'Ü' })).toEqual(['SO-2', 'SO-1']);
    expect(orders(outbox, { search: 'so' })).toEqual(['SO-2', 'SO-1']);
    expect(orders(outbox, { search: 'x-' })).toEqual(['X-3']);
    expect(orders(outbox, { search: '3' })).toEqual(['X-3']);
    expect(outbox.page({ search: 'ü', limit: 10 }).matches).toEqual({ count: 2, more: false });
  });

  it("a scanner's CR/LF/TAB and surrounding spaces are not part of the term; inner spaces are", () => {
    const { outbox } = openTestOutbox();
    outbox.enqueue(input('SO 12 A', { A: 'x' }));
    outbox.enqueue(input('SO-12', { A: 'x' }));
    expect(normaliseSearch('\tSO-12\r\n')).toBe('SO-12');
    expect(orders(outbox, { search: '  so-12\r\n' })).toEqual(['SO-12']);
    expect(orders(outbox, { search: 'so 12' })).toEqual(['SO 12 A']);
    expect(orders(outbox, { search: ' \r\n' }).sort()).toEqual(['SO 12 A', 'SO-12']);
  });

  it('query and GLOB characters are plain text', () => {
    const { outbox } = openTestOutbox();
    const odd = ['%_like', 'a"b', "O'Brien", 'star*x', 'q?mark', 'br[ack]et', 'caret^1', 'NEAR(a b)', 'x OR y', 'col:umn', 'back\\slash'];
    for (const o of odd) outbox.enqueue(input(o, { A: '1' }));
    for (const o of odd) expect(orders(outbox, { search: o }), o).toEqual([o]);
    expect(orders(outbox, { search: '*' })).toEqual(['star*x']);
    expect(orders(outbox, { search: '?' })).toEqual(['q?mark']);
    expect(orders(outbox, { search: '[' })).toEqual(['br[ack]et']);
    expect(orders(outbox, { search: ']' })).toEqual(['br[ack]et']);
    expect(orders(outbox, { search: '^' })).toEqual(['caret^1']);
    expect(orders(outbox, { search: '"' })).toEqual(['a"b']);
    expect(orders(outbox, { search: '%' })).toEqual(['%_like']);
    expect(orders(outbox, { search: '_' })).toEqual(['%_like']);
    expect(orders(outbox, { search: '\\' })).toEqual(['back\\slash']);
    expect(orders(outbox, { search: 'k\\s' })).toEqual(['back\\slash']);
    expect(orders(outbox, { search: 'or y' })).toEqual(['x OR y']);
    expect(containsGlob('a*[')).toBe('*[aA][*][[]*');
  });

  it('follows changes: a merge, an edit on resolve, a deleted row', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const { id } = outbox.enqueue(input('SO-1', { CustomerName: 'Alpha' }));
    clock.tick();
    expect(outbox.enqueue(input('SO-1', { CustomerName: 'Bravo' })).coalesced).toBe(true);
    expect(orders(outbox, { search: 'alpha' })).toEqual([]);
    expect(orders(outbox, { search: 'bravo' })).toEqual(['SO-1']);

    outbox.claim(id);
    outbox.markConflict(id, [{ field: 'CustomerName', base: 'Alpha', ours: 'Bravo', theirs: 'Zulu' }], 'W/"1"');
    outbox.resolve(id, { action: 'edit', fields: { CustomerName: 'Charlie' } }, 'me');
    expect(orders(outbox, { search: 'bravo' })).toEqual([]);
    expect(orders(outbox, { search: 'charlie' })).toEqual(['SO-1']);

    outbox.db.prepare('DELETE FROM updates WHERE id = ?').run(id);
    expect(orders(outbox, { search: 'charlie' })).toEqual([]);
    expect(outbox.db.prepare('SELECT count(*) AS n FROM search_text').get()).toEqual({ n: 0 });
    // the index agrees with its text, row for row
    expect(() => outbox.db.exec(`INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 1)`)).not.toThrow();
  });

  it('counts matches on the first page, within the state, up to the cap', () => {
    const { outbox } = openTestOutbox();
    outbox.enqueueMany(Array.from({ length: 30 }, (_, i) => input(`SO-${1000 + i}`, { CustomerName: i % 3 === 0 ? 'Müller' : 'Other' })));
    for (const id of [1, 4, 7]) outbox.hold(id, 'me');
    const first = outbox.page({ search: 'müller', limit: 4 });
    expect(first.matches).toEqual({ count: 10, more: false });
    expect(outbox.page({ search: 'müller', limit: 4, after: first.next! }).matches).toBeUndefined();
    expect(outbox.page({ search: 'müller', state: 'held', limit: 4 }).matches).toEqual({ count: 3, more: false });
    expect(outbox.page({ search: 'nobody', limit: 4 }).matches).toEqual({ count: 0, more: false });
    // no search, no count: the state counts say it
    expect(outbox.page({ limit: 4 }).matches).toBeUndefined();
  });

  it('pages through many matches (more than the cap) and few alike: every match once, newest change first', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const n = MATCH_CAP + 300;
    const rows = Array.from({ length: n }, (_, i) => input(`SO-${String(i).padStart(5, '0')}`, { CustomerName: i % 7 === 0 ? `Müller ${i}` : `Contoso ${i % 50}` }));
    outbox.enqueueMany(rows.slice(0, n / 2));
    clock.tick(10);
    outbox.enqueueMany(rows.slice(n / 2));
    // some rows change state, so time order is not id order
    for (let id = 5; id < n; id += 97) {
      clock.tick();
      outbox.hold(id, 'me');
    }
    for (const [term, state] of [['so-0', undefined], ['so-0', 'held'], ['so-0', 'pending'], ['müller', undefined], ['müller', 'held'], ['contoso 4', undefined], ['1', undefined], ['ü', 'held']] as const) {
      const want = expected(outbox, term, state);
      const got = allPages(outbox, { search: term, state }, 97).map((u) => u.id);
      expect(got, `${term} ${state ?? ''}`).toEqual(want);
      const first = outbox.page({ search: term, state, limit: 10 });
      expect(first.matches, `${term} ${state ?? ''}`).toEqual(want.length > MATCH_CAP ? { count: MATCH_CAP, more: true } : { count: want.length, more: false });
    }
  });

  it('counts within a large state by walking the matches (the state has more rows than it is worth walking)', () => {
    const { outbox } = openTestOutbox();
    // 60,000 pending by SQL (the triggers index them as they would an import)
    outbox.db.exec(`
      WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60000)
      INSERT INTO updates (profile, company, order_no, fields, source, queued_by, state, next_attempt_at, created_at, updated_at)
      SELECT 'fo', 'USMF', printf('BIG-%05d', x), '{"CustomerName":"' || CASE WHEN x % 50 = 0 THEN 'Müller' ELSE 'Contoso' END || '"}',
             'csv', 'me', CASE WHEN x % 100 = 0 THEN 'held' ELSE 'pending' END, 1, 1, x FROM c;`);
    expect(outbox.counts()).toMatchObject({ pending: 59_400, held: 600 });
    expect(outbox.page({ search: 'müller', state: 'pending', limit: 5 }).matches).toEqual({ count: 600, more: false });
    expect(outbox.page({ search: 'big-', state: 'pending', limit: 5 }).matches).toEqual({ count: MATCH_CAP, more: true });
    expect(outbox.page({ search: 'big-', state: 'held', limit: 5 }).matches).toEqual({ count: 600, more: false });
    expect(outbox.page({ search: 'mü', state: 'pending', limit: 5 }).matches).toEqual({ count: 600, more: false });
    expect(outbox.page({ search: 'ül', state: 'held', limit: 5 }).matches).toEqual({ count: 600, more: false });
    expect(outbox.page({ search: 'nt', state: 'pending', limit: 5 }).matches).toEqual({ count: MATCH_CAP, more: true });
    const page = outbox.page({ search: 'MÜLLER', state: 'pending', limit: 5 });
    expect(page.items.map((u) => u.orderNumber)).toEqual(['BIG-59950', 'BIG-59850', 'BIG-59750', 'BIG-59650', 'BIG-59550']);
  });

  it('a database from before search is indexed when it is upgraded', () => {
    const file = path.join(tempDir(), 'outbox.sqlite');
    const { db } = openDatabase(file, { migrations: MIGRATIONS.slice(0, 2) });
    db.prepare(
      `INSERT INTO updates (profile, company, order_no, fields, source, queued_by, state, next_attempt_at, created_at, updated_at)
       VALUES ('fo', 'USMF', 'SO-OLD-1', '{"CustomerName":"Müller"}', 'cli', 'me', 'pending', 1, 1, 1)`,
    ).run();
    db.close();
    const outbox = track(Outbox.open(file));
    expect(orders(outbox, { search: 'old-1' })).toEqual(['SO-OLD-1']);
    expect(orders(outbox, { search: 'MÜLLER' })).toEqual(['SO-OLD-1']);
    // the prefix index it replaces is gone (one index less for every insert)
    expect(outbox.db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'updates_order_no'`).all()).toEqual([]);
  });

  it('better-sqlite3 has FTS5 with the trigram tokenizer (SQLite 3.34+)', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v.split('.').map(Number);
      expect(version[0]! * 1000 + version[1]!).toBeGreaterThanOrEqual(3034);
      expect(() => db.exec(`CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'trigram case_sensitive 0')`)).not.toThrow();
    } finally {
      db.close();
    }
  });
});

describe('search query plans', () => {
  /** The plan of every statement one page() runs, with the parameters it ran with. */
  function plans(outbox: Outbox, q: PageQuery): string[] {
    const db = outbox.db;
    const original = db.prepare;
    const ran: { sql: string; params: unknown }[] = [];
    db.prepare = function (sql: string) {
      const stmt = original.call(db, sql);
      for (const method of ['all', 'get'] as const) {
        const run = stmt[method].bind(stmt) as (p: unknown) => unknown;
        (stmt as unknown as Record<string, unknown>)[method] = (params: unknown) => (ran.push({ sql, params }), run(params));
      }
      return stmt;
    } as typeof original;
    try {
      outbox.page(q);
    } finally {
      db.prepare = original;
    }
    return ran.map(({ sql, params }) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as never) as { detail: string }[]).map((r) => r.detail).join('\n'));
  }

  function fill(outbox: Outbox) {
    outbox.enqueueMany(Array.from({ length: MATCH_CAP + 500 }, (_, i) => input(`SO-${i}`, { CustomerName: i === 77 ? 'Müller' : 'Contoso' })));
  }

  it('few matches: named by the trigram index, fetched by id; nothing scans the queue', () => {
    const { outbox } = openTestOutbox();
    fill(outbox);
    for (const state of [undefined, 'pending'] as const) {
      const [ids, page, count] = plans(outbox, { search: 'müller', state, limit: 50 });
      expect(ids).toMatch(/SCAN search_index VIRTUAL TABLE INDEX/);
      for (const p of [page!, ...(state ? [count!] : [])]) {
        expect(p).toMatch(/SEARCH u USING INTEGER PRIMARY KEY \(rowid=\?\)/);
        expect(p).not.toMatch(/SCAN (u|t)\b/);
      }
    }
  });

  it('a short term is tested on the search text alone, once, when few rows match', () => {
    const { outbox } = openTestOutbox();
    fill(outbox);
    const [ids, page] = plans(outbox, { search: 'ü', limit: 50 });
    expect(ids).toMatch(/^SCAN t$/);
    expect(page).toMatch(/SEARCH u USING INTEGER PRIMARY KEY \(rowid=\?\)/);
  });

  it('many matches: the queue is walked newest first on its time index, no sort; each row looked up by id', () => {
    const { outbox } = openTestOutbox();
    fill(outbox);
    const [ids, page] = plans(outbox, { search: 'contoso', limit: 50 });
    expect(ids).toMatch(/VIRTUAL TABLE INDEX/);
    expect(page).toMatch(/SCAN u USING INDEX updates_time/);
    expect(page).toMatch(/SEARCH t USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(page).not.toMatch(/TEMP B-TREE/);

    const withState = plans(outbox, { search: 'contoso', state: 'pending', limit: 50 });
    expect(withState[1]).toMatch(/SEARCH u USING INDEX updates_state_time \(state=\?\)/);
    expect(withState[1]).not.toMatch(/TEMP B-TREE/);
    // a small state is counted by walking its rows
    expect(withState.at(-1)).toMatch(/SEARCH u USING (COVERING )?INDEX updates_state_time \(state=\?\)/);
  });
});
