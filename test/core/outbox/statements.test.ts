import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../core/outbox/database.ts';
import { prepare } from '../../../core/outbox/statements.ts';
import { tempDir } from './fixtures.ts';

/** Bound values SQLite's planner would read in a statement with ORDER BY, so that it recompiles the statement at every call. */
function valuesThePlannerReads(sql: string): string[] {
  if (!/\bORDER\s+BY\b/i.test(sql)) return [];
  const equal = [...sql.matchAll(/(?:(?<![<>!])=|\bIS)\s*(\?|@\w+)/gi)].map((m) => m[0]);
  const limit = [...sql.matchAll(/\b(?:LIMIT|OFFSET)\s+(\?|@\w+)(?!\s*\+)/gi)].map((m) => m[0]);
  return [...equal, ...limit];
}

describe('the queue statements', () => {
  it('find what they use to find (the rule is right)', () => {
    expect(valuesThePlannerReads('SELECT id FROM t WHERE a = ? ORDER BY id')).toEqual(['= ?']);
    expect(valuesThePlannerReads('SELECT id FROM t WHERE a = @a ORDER BY id LIMIT @n')).toEqual(['= @a', 'LIMIT @n']);
    expect(valuesThePlannerReads('SELECT id FROM t WHERE a = +? ORDER BY id LIMIT ? + 0')).toEqual([]);
    expect(valuesThePlannerReads('SELECT id FROM t WHERE a = ?')).toEqual([]);
    expect(valuesThePlannerReads('SELECT id FROM t WHERE a <= ? ORDER BY a')).toEqual([]);
  });

  it('give the planner no bound value to read where there is an ORDER BY', () => {
    const { db } = openDatabase(path.join(tempDir(), 'outbox.sqlite'));
    try {
      const offending = Object.entries(prepare(db))
        .map(([name, st]) => ({ name, found: valuesThePlannerReads(st.source) }))
        .filter((s) => s.found.length > 0);
      expect(offending).toEqual([]);
    } finally {
      db.close();
    }
  });
});
