import { describe, expect, it } from 'vitest';
import { HISTORY_KINDS, UPDATE_SOURCES, UPDATE_STATES } from '../../../core/outbox/types.ts';
import { input, openTestOutbox } from './fixtures.ts';

// types.ts is the outbox's vocabulary; what must hold is that the database takes exactly it.
describe('the outbox vocabulary and the database agree', () => {
  it('every state and source is one the schema takes, and another is refused', () => {
    const { outbox } = openTestOutbox();
    const insert = outbox.db.prepare(
      `INSERT INTO updates (profile, company, order_no, fields, source, queued_by, state, next_attempt_at, created_at, updated_at)
       VALUES ('fo', 'USMF', ?, '{}', ?, 'desk', ?, 0, 0, 0)`,
    );
    for (const state of UPDATE_STATES) expect(() => insert.run(`S-${state}`, 'cli', state), state).not.toThrow();
    for (const source of UPDATE_SOURCES) expect(() => insert.run(`C-${source}`, source, 'pending'), source).not.toThrow();
    expect(() => insert.run('X', 'cli', 'lost')).toThrow(/CHECK constraint failed/);
    expect(() => insert.run('Y', 'email', 'pending')).toThrow(/CHECK constraint failed/);
  });

  it('the counts by state have exactly the states, each from zero', () => {
    const { outbox } = openTestOutbox();
    expect(Object.keys(outbox.counts()).sort()).toEqual([...UPDATE_STATES].sort());
    expect(Object.values(outbox.counts()).every((n) => n === 0)).toBe(true);
  });

  it('every history kind the outbox writes is one of the kinds', () => {
    const { outbox } = openTestOutbox();
    const a = outbox.enqueue(input('SO-1', { A: 1 })).id;
    outbox.enqueue(input('SO-1', { B: 1 }));
    outbox.hold(a, 'd');
    outbox.release(a, 'd');
    outbox.cancel(a, 'd');
    outbox.undoCancel(a, 'd');
    outbox.claim(a);
    outbox.markFailed(a, { code: 'VALIDATION', message: 'x' });
    outbox.retry(a, 'd');
    outbox.recoverInterrupted();
    outbox.defer(a, 0, null);
    outbox.note(a, 'retrying', {});
    outbox.markConflict(a, [{ field: 'A', base: 0, ours: 1, theirs: 2 }], 'W/"1"');
    outbox.resolve(a, { action: 'keep-mine' }, 'd');
    for (const h of outbox.history(a)) expect(HISTORY_KINDS, h.kind).toContain(h.kind);
    expect(new Set(outbox.history(a).map((h) => h.kind)).size).toBeGreaterThanOrEqual(10);
  });
});
