import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HISTORY_KINDS, UPDATE_STATES } from '../../../core/outbox/types.ts';
import { checkRegistry, MIGRATIONS, SCHEMA_VERSION } from '../../../core/outbox/migrations.ts';

/** A database with the first `n` migrations applied, as an older agent left it. */
function at(n: number): BetterSqlite3.Database {
  const db = new BetterSqlite3(':memory:');
  db.pragma('foreign_keys = ON');
  for (const m of MIGRATIONS.slice(0, n)) m.up(db);
  return db;
}

const insertUpdate = (db: BetterSqlite3.Database, over: Record<string, unknown> = {}) =>
  db
    .prepare(
      `INSERT INTO updates (profile, company, order_no, fields, source, queued_by, state, next_attempt_at, created_at, updated_at)
       VALUES (@profile, 'USMF', @order, '{"A":1}', @source, 'desk', @state, 0, 0, 0)`,
    )
    .run({ profile: 'fo', order: 'SO-1', source: 'cli', state: 'pending', ...over });

describe('the migration registry', () => {
  it('is numbered 1…N without gaps, so the registry check at open passes, and the schema version is N', () => {
    expect(() => checkRegistry(MIGRATIONS)).not.toThrow();
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });

  it('refuses a registry out of order, naming the entry', () => {
    expect(() => checkRegistry([MIGRATIONS[1]!, MIGRATIONS[0]!])).toThrow('migration registry out of order: entry 0 has version 2, expected 1');
  });

  it('each migration applies on top of the ones before it', () => {
    for (let n = 1; n <= MIGRATIONS.length; n++) expect(() => at(n), `up to ${n}`).not.toThrow();
  });
});

describe('the schema keeps the outbox honest', () => {
  it('keeps the counts by state in step with every insert, state change and delete, by trigger', () => {
    const db = at(SCHEMA_VERSION);
    const counts = () => Object.fromEntries((db.prepare('SELECT state, n FROM state_counts').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
    expect(Object.keys(counts()).sort()).toEqual([...UPDATE_STATES].sort());
    const a = Number(insertUpdate(db, { order: 'SO-1' }).lastInsertRowid);
    insertUpdate(db, { order: 'SO-2' });
    db.prepare(`UPDATE updates SET state = 'done' WHERE id = ?`).run(a);
    db.prepare(`UPDATE updates SET fields = '{}' WHERE id = ?`).run(a); // not a state change
    expect(counts()).toMatchObject({ pending: 1, done: 1 });
    db.prepare('DELETE FROM updates WHERE id = ?').run(a);
    expect(counts()).toMatchObject({ pending: 1, done: 0 });
    const grouped = db.prepare('SELECT state, count(*) AS n FROM updates GROUP BY state').all();
    expect(grouped).toEqual([{ state: 'pending', n: 1 }]);
  });

  it('a conflict resolution is one the outbox writes, or none', () => {
    const db = at(SCHEMA_VERSION);
    const id = Number(insertUpdate(db).lastInsertRowid);
    const conflict = db.prepare(`INSERT INTO conflicts (update_id, profile, company, order_no, field, detected_at, resolution) VALUES (?, 'fo', 'USMF', 'SO-1', 'A', 0, ?)`);
    for (const r of ['keep-mine', 'take-theirs', 'edited', 'policy-ours', 'policy-theirs', 'cancelled', null]) expect(() => conflict.run(id, r), String(r)).not.toThrow();
    expect(() => conflict.run(id, 'ignored')).toThrow(/CHECK constraint failed/);
  });

  it('history and conflicts go with their update; an event for an update that does not exist is refused', () => {
    const db = at(SCHEMA_VERSION);
    const id = Number(insertUpdate(db).lastInsertRowid);
    for (const kind of HISTORY_KINDS) db.prepare('INSERT INTO update_events (update_id, at, kind) VALUES (?, 0, ?)').run(id, kind);
    db.prepare('DELETE FROM updates WHERE id = ?').run(id);
    expect(db.prepare('SELECT count(*) AS n FROM update_events').get()).toEqual({ n: 0 });
    expect(() => db.prepare(`INSERT INTO update_events (update_id, at, kind) VALUES (999, 0, 'queued')`).run()).toThrow(/FOREIGN KEY/);
  });

  it('tables are STRICT: a value of the wrong type is refused, not stored as text', () => {
    const db = at(SCHEMA_VERSION);
    const id = Number(insertUpdate(db).lastInsertRowid);
    expect(() => db.prepare('UPDATE updates SET next_attempt_at = ? WHERE id = ?').run('soon', id)).toThrow(/cannot store TEXT value in INTEGER column/);
  });
});

describe('migration 2 on a database that version 1 left', () => {
  it('keeps every update, not taken and with no lost races, and drops the old local-hour metrics', () => {
    const db = at(1);
    insertUpdate(db, { order: 'SO-1' });
    insertUpdate(db, { order: 'SO-2', state: 'sending' });
    db.exec(`INSERT INTO metrics_hourly (hour, requests) VALUES (9, 5)`);
    MIGRATIONS[1]!.up(db);
    expect(db.prepare('SELECT order_no, state, taken, lost_races FROM updates ORDER BY id').all()).toEqual([
      { order_no: 'SO-1', state: 'pending', taken: 0, lost_races: 0 },
      { order_no: 'SO-2', state: 'sending', taken: 0, lost_races: 0 },
    ]);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'metrics_hourly'`).get()).toEqual({ n: 0 });
  });

  it('keeps one own write per order field and value, and one metrics row per UTC hour', () => {
    const db = at(SCHEMA_VERSION);
    const own = db.prepare(`INSERT INTO own_writes (profile, company, order_no, field, value, at) VALUES ('fo', 'USMF', 'SO-1', 'A', '"x"', ?)`);
    own.run(1);
    expect(() => own.run(2)).toThrow(/UNIQUE constraint failed/);
    db.prepare('INSERT INTO metrics_by_hour (hour_start, requests) VALUES (?, 1)').run(3_600_000);
    expect(() => db.prepare('INSERT INTO metrics_by_hour (hour_start, requests) VALUES (?, 1)').run(3_600_000)).toThrow(/UNIQUE constraint failed/);
  });
});
