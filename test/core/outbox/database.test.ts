import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isOutboxError } from '../../../core/errors.ts';
import { JOURNAL_SIZE_LIMIT, openDatabase } from '../../../core/outbox/database.ts';
import { MIGRATIONS, checkRegistry, type Migration } from '../../../core/outbox/migrations.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { input, tempDir } from './fixtures.ts';

function dbFile(): string {
  return path.join(tempDir(), 'outbox.sqlite');
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function userVersion(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

// Two later versions on top of the real registry: one reshapes data, one adds a table.
const V2: Migration = {
  version: MIGRATIONS.length + 1,
  name: 'test-notes',
  up(db) {
    db.exec(`ALTER TABLE updates ADD COLUMN note TEXT NOT NULL DEFAULT ''`);
    db.exec(`UPDATE updates SET note = 'migrated ' || order_no`);
  },
};
const V3: Migration = {
  version: MIGRATIONS.length + 2,
  name: 'test-tags',
  up(db) {
    db.exec(`CREATE TABLE tags (update_id INTEGER NOT NULL REFERENCES updates (id), tag TEXT NOT NULL) STRICT`);
    db.exec(`INSERT INTO tags SELECT id, 'v3' FROM updates`);
  },
};
const FULL = [...MIGRATIONS, V2, V3];

describe('openDatabase', () => {
  it('creates the schema from nothing at the latest version', () => {
    const file = dbFile();
    const { db, notices } = openDatabase(file);
    try {
      expect(notices).toEqual([]);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      const tables = (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
      expect(tables).toEqual(expect.arrayContaining(['updates', 'update_events', 'conflicts', 'state_counts', 'settings', 'metrics_by_hour', 'own_writes', 'notices']));
    } finally {
      db.close();
    }
  });

  it('sets WAL, synchronous FULL, foreign keys and a busy timeout on every open', () => {
    const file = dbFile();
    openDatabase(file).db.close();
    // synchronous and foreign_keys are per connection: they must be set again on reopen.
    const { db } = openDatabase(file, { busyTimeoutMs: 1234 });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    } finally {
      db.close();
    }
  });

  it('the registry refuses gaps and disorder', () => {
    expect(() => checkRegistry([V2])).toThrow(/out of order/);
    expect(() => checkRegistry([...MIGRATIONS, V3])).toThrow(/out of order/);
    expect(() => openDatabase(dbFile(), { migrations: [...MIGRATIONS, V3] })).toThrow(/out of order/);
  });

  for (let from = 0; from < FULL.length; from++) {
    it(`upgrades a database at version ${from} to ${FULL.length}, keeping its data`, () => {
      const file = dbFile();
      if (from > 0) {
        const { db } = openDatabase(file, { migrations: FULL.slice(0, from) });
        db.prepare(
          `INSERT INTO updates (profile, company, order_no, fields, source, queued_by, state, next_attempt_at, created_at, updated_at)
           VALUES ('fo', 'USMF', 'SO-1', '{"A":"1"}', 'cli', 'me', 'pending', 1, 1, 1)`,
        ).run();
        db.close();
        expect(userVersion(file)).toBe(from);
      }
      const { db } = openDatabase(file, { migrations: FULL });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(FULL.length);
        const rows = db.prepare('SELECT order_no, note FROM updates').all() as { order_no: string; note: string }[];
        if (from > 0) {
          // a row that existed before v2 ran was reshaped by it; one created at v2+ keeps its default
          expect(rows).toEqual([{ order_no: 'SO-1', note: from < V2.version ? 'migrated SO-1' : '' }]);
          expect(db.prepare('SELECT count(*) AS n FROM tags').get()).toEqual({ n: 1 });
        } else {
          expect(rows).toEqual([]);
        }
        // the triggers of v1 survived the later migrations
        expect(db.prepare(`SELECT n FROM state_counts WHERE state = 'pending'`).get()).toEqual({ n: from > 0 ? 1 : 0 });
      } finally {
        db.close();
      }
    });
  }

  it('a failing migration leaves the version and the data as they were', () => {
    const file = dbFile();
    const { db } = openDatabase(file, { migrations: [...MIGRATIONS, V2] });
    db.prepare(
      `INSERT INTO updates (profile, company, order_no, fields, source, queued_by, state, next_attempt_at, created_at, updated_at)
       VALUES ('fo', 'USMF', 'SO-1', '{"A":"1"}', 'cli', 'me', 'pending', 1, 1, 1)`,
    ).run();
    db.close();
    const broken: Migration = {
      version: V3.version,
      name: 'broken',
      up(d) {
        d.exec(`CREATE TABLE half (x INTEGER)`);
        d.exec(`UPDATE updates SET order_no = 'CHANGED', note = 'changed'`);
        d.exec(`DELETE FROM update_events`);
        throw new Error('boom in migration 3');
      },
    };
    const e = errorOf(() => openDatabase(file, { migrations: [...MIGRATIONS, V2, broken] }));
    expect(isOutboxError(e)).toBe(true);
    expect((e as Error).message).toContain('boom in migration 3');

    expect(userVersion(file)).toBe(V2.version);
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      expect(raw.prepare('SELECT order_no, note FROM updates').all()).toEqual([{ order_no: 'SO-1', note: '' }]);
      expect(raw.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half'`).get()).toEqual({ n: 0 });
    } finally {
      raw.close();
    }
    // and a fixed release can still upgrade it
    const fixed = openDatabase(file, { migrations: FULL });
    expect(fixed.db.pragma('user_version', { simple: true })).toBe(V3.version);
    fixed.db.close();
  });

  it('each migration commits on its own: a failure in a later one keeps the earlier ones', () => {
    const file = dbFile();
    openDatabase(file).db.close();
    const broken: Migration = { version: V3.version, name: 'broken', up() { throw new Error('boom'); } };
    expect(() => openDatabase(file, { migrations: [...MIGRATIONS, V2, broken] })).toThrow(/boom/);
    expect(userVersion(file)).toBe(V2.version);
  });

  for (const mode of ['delete', 'wal'] as const) {
    it(`refuses a database from a newer version (${mode} journal) and leaves the file byte-identical`, () => {
      const file = dbFile();
      if (mode === 'wal') openDatabase(file).db.close();
      const raw = new BetterSqlite3(file);
      raw.exec('CREATE TABLE IF NOT EXISTS future (x INTEGER)');
      raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
      raw.close();
      const before = fs.readFileSync(file);
      const listing = fs.readdirSync(path.dirname(file)).sort();

      const e = errorOf(() => openDatabase(file));
      expect(isOutboxError(e) && e.code).toBe('DB_NEWER_VERSION');
      expect((e as Error).message).toMatch(/newer Outbox Agent/);
      expect((e as Error).message).toContain(file);
      expect(() => Outbox.open(file)).toThrow(/newer Outbox Agent/);

      expect(fs.readFileSync(file).equals(before)).toBe(true);
      expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(listing);
    });
  }

  it('refuses a newer version that lives only in the WAL, and leaves the file, -wal and -shm byte-identical', () => {
    const live = dbFile();
    openDatabase(live).db.close();
    // A newer agent still running: its last commits (the version bump) are in the WAL, not the file.
    const writer = new BetterSqlite3(live);
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE future (x INTEGER); INSERT INTO future VALUES (1)');
    writer.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    const file = path.join(tempDir(), 'outbox.sqlite');
    for (const suffix of ['', '-wal', '-shm']) fs.copyFileSync(live + suffix, file + suffix);
    writer.close();
    const before = ['', '-wal', '-shm'].map((suffix) => fs.readFileSync(file + suffix));
    expect(before[1]!.length).toBeGreaterThan(0);

    const e = errorOf(() => openDatabase(file));
    expect(isOutboxError(e) && e.code).toBe('DB_NEWER_VERSION');
    expect((e as Error).message).toMatch(/left untouched/);
    ['', '-wal', '-shm'].forEach((suffix, i) => expect(fs.readFileSync(file + suffix).equals(before[i]!), `outbox.sqlite${suffix} changed`).toBe(true));
  });

  it('keeps the WAL near its limit after a large import instead of at its high-water mark', () => {
    const file = dbFile();
    const { db } = openDatabase(file);
    db.exec('CREATE TABLE ballast (x TEXT)');
    const insert = db.prepare('INSERT INTO ballast VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert.run('x'.repeat(1500));
    })();
    db.pragma('wal_checkpoint(PASSIVE)');
    db.prepare('INSERT INTO ballast VALUES (?)').run('one more');
    db.pragma('wal_checkpoint(PASSIVE)');
    expect(fs.statSync(`${file}-wal`).size).toBeLessThanOrEqual(JOURNAL_SIZE_LIMIT);
    db.close();
  });

  it('moves a file that is not a database aside, says so, and starts a fresh outbox', () => {
    const file = dbFile();
    const garbage = Buffer.from('this is not an SQLite database\n'.repeat(400));
    fs.writeFileSync(file, garbage);
    const { db, notices } = openDatabase(file, { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    try {
      expect(notices).toHaveLength(1);
      const aside = `${file}.corrupt-2026-01-02T03-04-05-000Z`;
      expect(notices[0]).toContain(aside);
      expect(notices[0]).toMatch(/moved aside/);
      expect(fs.readFileSync(aside).equals(garbage)).toBe(true);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.prepare('SELECT count(*) AS n FROM updates').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('moves a database with damaged pages aside instead of using it', () => {
    const file = dbFile();
    const outbox = Outbox.open(file);
    outbox.enqueueMany(Array.from({ length: 2000 }, (_, i) => input(`SO-${i}`, { Note: 'x'.repeat(100) })));
    outbox.close();
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(8 * 4096);
    // Scribble over the middle of the file (table and index pages), keeping the header.
    for (let i = 3 * 4096; i < bytes.length - 4096; i += 7) bytes[i] = 0xa5;
    fs.writeFileSync(file, bytes);

    const { db, notices } = openDatabase(file);
    try {
      expect(notices).toHaveLength(1);
      const aside = fs.readdirSync(path.dirname(file)).find((n) => n.startsWith('outbox.sqlite.corrupt-'));
      expect(aside).toBeDefined();
      expect(fs.readFileSync(path.join(path.dirname(file), aside!)).equals(bytes)).toBe(true);
      expect(db.prepare('SELECT count(*) AS n FROM updates').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('reports a locked database as DB_LOCKED with an actionable message', () => {
    const file = dbFile();
    const outbox = Outbox.open(file, { busyTimeoutMs: 50 });
    const other = new BetterSqlite3(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const e = errorOf(() => outbox.enqueue(input('SO-1', { A: '1' })));
      expect(isOutboxError(e) && e.code).toBe('DB_LOCKED');
      expect((e as Error).message).toMatch(/locked by another process/);
      other.exec('ROLLBACK');
      expect(outbox.enqueue(input('SO-1', { A: '1' })).id).toBe(1);
    } finally {
      other.close();
      outbox.close();
    }
  });
});

describe('integrity check of a large file, after open', () => {
  it('opens at once and reports damage found by the background check', async () => {
    const { mkdtempSync, openSync, writeSync, closeSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { Outbox } = await import('../../../core/outbox/outbox.ts');
    const dir = mkdtempSync(join(tmpdir(), 'outbox-integrity-'));
    const file = join(dir, 'outbox.sqlite');
    const healthy = Outbox.open(file, { syncCheckBytes: 0 });
    healthy.enqueueMany(Array.from({ length: 3000 }, (_, i) => input(`SO-${i}`, { A: 'x'.repeat(50) })));
    expect(await healthy.integrity).toEqual([]);
    healthy.db.pragma('wal_checkpoint(TRUNCATE)');
    healthy.close();
    // Scribble over pages in the middle; the header and schema stay readable.
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096 * 4, 0x5a), 0, 4096 * 4, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const damaged = Outbox.open(file, { syncCheckBytes: 0 });
    try {
      const problems = await damaged.integrity;
      expect(problems.length).toBeGreaterThan(0);
    } finally {
      damaged.close();
    }
  });
});
