/**
 * The Outbox beyond what queue.test.ts (enqueue, coalescing, order, paging) and
 * transitions.test.ts (the state machine) cover: what the drainer takes and releases, our own
 * writes, due times from a wrong clock, notices, streaming, and errors a person can act on.
 */
import { describe, expect, it } from 'vitest';
import { isOutboxError } from '../../../core/errors.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { input, manualClock, openTestOutbox, track } from './fixtures.ts';

describe('taking due updates', () => {
  it('a taken update takes no new changes: they queue behind it, and merge again once it is released', () => {
    const { outbox } = openTestOutbox();
    const first = outbox.enqueue(input('SO-1', { DeliveryModeCode: '10' }));
    const [taken] = outbox.takeDue(Date.now(), 10);
    expect(taken!.id).toBe(first.id);
    const behind = outbox.enqueue(input('SO-1', { SalesOrderName: 'later' }));
    expect(behind).toEqual({ id: behind.id, coalesced: false, behind: first.id });
    expect(outbox.get(first.id)!.fields).toEqual({ DeliveryModeCode: '10' });
    // the one behind waits (never two of one order in flight), and a taken one is not taken twice
    expect(outbox.takeDue(Date.now(), 10).map((u) => u.id)).toEqual([]);
    outbox.releaseTaken([first.id]);
    outbox.markDone(first.id, {});
    const next = outbox.enqueue(input('SO-1', { CurrencyCode: 'EUR' }));
    expect(next).toEqual({ id: behind.id, coalesced: true });
  });

  it('recoverInterrupted releases what a dead drainer had taken', () => {
    const { outbox } = openTestOutbox();
    const u = outbox.enqueue(input('SO-1', { A: 1 }));
    outbox.takeDue(Date.now(), 1);
    outbox.recoverInterrupted();
    expect(outbox.enqueue(input('SO-1', { B: 2 }))).toEqual({ id: u.id, coalesced: true });
  });
});

describe('own writes', () => {
  it('the values claimed for a PATCH come back with the order\'s next taken update, the last five per field', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    for (let i = 1; i <= 7; i++) {
      const { id } = outbox.enqueue(input('SO-1', { DeliveryModeCode: `v${i}`, SalesOrderName: 'same' }));
      outbox.takeDue(clock.now(), 1);
      outbox.claim(id);
      outbox.markDone(id, {});
      clock.tick();
    }
    outbox.enqueue(input('SO-1', { DeliveryModeCode: 'v8' }));
    outbox.enqueue(input('SO-2', { DeliveryModeCode: 'x' }));
    const taken = outbox.takeDue(clock.now(), 10);
    const so1 = taken.find((u) => u.orderNumber === 'SO-1')!;
    expect(so1.ownValues.SalesOrderName).toEqual(['same']);
    expect(so1.ownValues.DeliveryModeCode).toEqual(['v7', 'v6', 'v5', 'v4', 'v3']);
    expect(taken.find((u) => u.orderNumber === 'SO-2')!.ownValues).toEqual({});
  });
});

describe('due times', () => {
  it('a due time beyond the horizon (a wrong clock) is pulled in to now; nearer ones are left', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const far = outbox.enqueue(input('SO-1', { A: 1 }));
    const near = outbox.enqueue(input('SO-2', { A: 1 }));
    outbox.defer(far.id, clock.now() + 10 * 365 * 86_400_000, null);
    outbox.defer(near.id, clock.now() + 30_000, null);
    expect(outbox.nextDueAt()).toBe(clock.now() + 30_000);
    expect(outbox.pullInFarFuture(clock.now(), 60_000)).toBe(1);
    expect(outbox.get(far.id)!.nextAttemptAt).toBe(clock.now());
    expect(outbox.get(near.id)!.nextAttemptAt).toBe(clock.now() + 30_000);
    expect(outbox.pullInFarFuture(clock.now(), 60_000)).toBe(0);
  });

  it('nextDueAt is null when nothing is pending', () => {
    const { outbox } = openTestOutbox();
    expect(outbox.nextDueAt()).toBeNull();
    const { id } = outbox.enqueue(input('SO-1', { A: 1 }));
    outbox.hold(id, 'desk');
    expect(outbox.nextDueAt()).toBeNull();
  });
});

describe('notices', () => {
  it('are kept until acknowledged, across a restart; acknowledging twice is NOT_FOUND', () => {
    const { outbox, file } = openTestOutbox();
    outbox.addNotice('The outbox was moved aside.');
    outbox.addNotice('Sending single requests until tomorrow.');
    const [first] = outbox.notices();
    outbox.acknowledgeNotice(first!.id);
    outbox.close();
    const reopened = track(Outbox.open(file));
    expect(reopened.notices().map((n) => n.message)).toEqual(['Sending single requests until tomorrow.']);
    let code = '';
    try {
      reopened.acknowledgeNotice(first!.id);
    } catch (e) {
      code = isOutboxError(e) ? e.code : '';
    }
    expect(code).toBe('NOT_FOUND');
  });

  it('a notice the database cannot take (disk full, read-only) is still shown for this run', () => {
    const { outbox } = openTestOutbox();
    outbox.db.pragma('query_only = ON');
    outbox.addNotice('The disk is full.');
    const [n] = outbox.notices();
    expect(n).toMatchObject({ message: 'The disk is full.' });
    expect(n!.id).toBeLessThan(0);
    outbox.acknowledgeNotice(n!.id);
    expect(outbox.notices()).toEqual([]);
  });
});

describe('streaming and errors', () => {
  it('iterate streams every update, or those in one state, in queue order', () => {
    const { outbox } = openTestOutbox();
    const ids = ['SO-1', 'SO-2', 'SO-3'].map((o) => outbox.enqueue(input(o, { A: 1 })).id);
    outbox.hold(ids[1]!, 'desk');
    expect([...outbox.iterate()].map((u) => u.id)).toEqual(ids);
    expect([...outbox.iterate('held')].map((u) => u.id)).toEqual([ids[1]]);
    expect([...outbox.iterate('done')]).toEqual([]);
  });

  it('a write the database refuses is an error a person can act on, and nothing is half done', () => {
    const { outbox, file } = openTestOutbox();
    outbox.db.pragma('query_only = ON');
    let e: unknown;
    try {
      outbox.enqueue(input('SO-1', { A: 1 }));
    } catch (err) {
      e = err;
    }
    expect(isOutboxError(e) && e.code).toBe('DB_READONLY');
    expect((e as Error).message).toContain(file);
    outbox.db.pragma('query_only = OFF');
    expect(outbox.counts().pending).toBe(0);
  });

  it('a requeued update forgets its lost races and keeps the base only of fields it still changes', () => {
    const { outbox } = openTestOutbox();
    const { id } = outbox.enqueue(input('SO-1', { A: 'ours', B: 'ours' }, { base: { A: 'a0', B: 'b0' } }));
    outbox.lostRace(id, Date.now(), { code: 'CONCURRENCY', message: 'x' }, 1);
    expect(outbox.get(id)!.lastError!.code).toBe('LOST_RACE');
    const requeued = outbox.requeue(id, { A: 'new' }, null, 'desk');
    expect(requeued).toMatchObject({ state: 'pending', fields: { A: 'new' }, base: { A: 'a0' }, lastError: null });
    // one lost race now defers instead of failing at once
    expect(outbox.lostRace(id, Date.now(), { code: 'CONCURRENCY', message: 'x' }, 2).state).toBe('pending');
  });
});
