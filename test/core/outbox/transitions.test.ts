import { describe, expect, it } from 'vitest';
import { isOutboxError } from '../../../core/errors.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import type { HistoryKind, UpdateState } from '../../../core/outbox/types.ts';
import { UPDATE_STATES } from '../../../core/outbox/types.ts';
import { input, manualClock, openTestOutbox } from './fixtures.ts';

let seq = 0;

/** Brings a fresh update (its own order, so nothing coalesces) into the given state. */
function updateIn(outbox: Outbox, state: UpdateState): number {
  const { id } = outbox.enqueue(input(`SO-${++seq}`, { SalesOrderStatus: 'Delivered' }, { base: { SalesOrderStatus: 'Backorder' } }));
  switch (state) {
    case 'pending':
      break;
    case 'held':
      outbox.hold(id, 'me');
      break;
    case 'sending':
      outbox.claim(id);
      break;
    case 'done':
      outbox.claim(id);
      outbox.markDone(id, { etagBefore: 'W/"1"', etagAfter: 'W/"2"' });
      break;
    case 'failed':
      outbox.claim(id);
      outbox.markFailed(id, { code: 'HTTP_400', message: 'bad status' });
      break;
    case 'conflict':
      outbox.claim(id);
      outbox.markConflict(id, [{ field: 'SalesOrderStatus', base: 'Backorder', ours: 'Delivered', theirs: 'Invoiced' }], 'W/"9"');
      break;
  }
  expect(outbox.get(id)?.state).toBe(state);
  return id;
}

interface Op {
  name: string;
  from: UpdateState[];
  to: UpdateState;
  event: HistoryKind;
  run(outbox: Outbox, id: number): void;
}

const OPS: Op[] = [
  { name: 'hold', from: ['pending'], to: 'held', event: 'held', run: (o, id) => o.hold(id, 'me') },
  { name: 'release', from: ['held'], to: 'pending', event: 'released', run: (o, id) => o.release(id, 'me') },
  { name: 'cancel', from: ['pending', 'held', 'failed'], to: 'failed', event: 'cancelled', run: (o, id) => o.cancel(id, 'me') },
  { name: 'claim', from: ['pending'], to: 'sending', event: 'sending', run: (o, id) => o.claim(id) },
  { name: 'markDone', from: ['sending', 'pending'], to: 'done', event: 'done', run: (o, id) => o.markDone(id, { etagAfter: 'W/"2"' }) },
  {
    name: 'markFailed',
    // the first GET may decide without a PATCH, so no 'sending' step is needed
    from: ['sending', 'pending'],
    to: 'failed',
    event: 'failed',
    run: (o, id) => o.markFailed(id, { code: 'HTTP_422', message: 'Invalid status transition' }),
  },
  { name: 'defer', from: ['sending', 'pending'], to: 'pending', event: 'deferred', run: (o, id) => o.defer(id, Date.now() + 60_000, { code: 'OFFLINE', message: 'no route' }) },
  {
    name: 'markConflict',
    // the first GET may decide without a PATCH, so no 'sending' step is needed
    from: ['sending', 'pending'],
    to: 'conflict',
    event: 'conflict',
    run: (o, id) => o.markConflict(id, [{ field: 'SalesOrderStatus', base: 'Backorder', ours: 'Delivered', theirs: 'Invoiced' }], 'W/"3"'),
  },
  { name: 'resolve keep-mine', from: ['conflict'], to: 'pending', event: 'resolved', run: (o, id) => o.resolve(id, { action: 'keep-mine' }, 'me') },
  { name: 'resolve take-theirs', from: ['conflict'], to: 'done', event: 'resolved', run: (o, id) => o.resolve(id, { action: 'take-theirs' }, 'me') },
  {
    name: 'resolve edit',
    from: ['conflict'],
    to: 'pending',
    event: 'resolved',
    run: (o, id) => o.resolve(id, { action: 'edit', fields: { SalesOrderStatus: 'Canceled' } }, 'me'),
  },
];

describe('state transitions', () => {
  for (const op of OPS) {
    for (const state of UPDATE_STATES) {
      const allowed = op.from.includes(state);
      it(`${op.name} from ${state} is ${allowed ? `allowed → ${op.to}` : 'refused'}`, () => {
        const clock = manualClock();
        const { outbox } = openTestOutbox({ now: clock.now });
        const id = updateIn(outbox, state);
        const before = outbox.get(id)!;
        const history = outbox.history(id);
        const counts = outbox.counts();
        clock.tick(1000);
        if (allowed) {
          op.run(outbox, id);
          const after = outbox.get(id)!;
          expect(after.state).toBe(op.to);
          expect(after.updatedAt).toBe(clock.now());
          const newHistory = outbox.history(id);
          expect(newHistory).toHaveLength(history.length + 1);
          expect(newHistory.at(-1)).toMatchObject({ kind: op.event, at: clock.now(), updateId: id });
          const expected = { ...counts };
          expected[state] -= 1;
          expected[op.to] += 1;
          expect(outbox.counts()).toEqual(expected);
        } else {
          let error: unknown;
          try {
            op.run(outbox, id);
          } catch (e) {
            error = e;
          }
          expect(isOutboxError(error) && error.code).toBe('INVALID_STATE');
          expect((error as Error).message).toContain(`is ${state}`);
          // nothing moved: same row, same history, same counts
          expect(outbox.get(id)).toEqual(before);
          expect(outbox.history(id)).toEqual(history);
          expect(outbox.counts()).toEqual(counts);
        }
      });
    }
  }

  it('every operation on a missing id is NOT_FOUND', () => {
    const { outbox } = openTestOutbox();
    for (const op of OPS) {
      let error: unknown;
      try {
        op.run(outbox, 424242);
      } catch (e) {
        error = e;
      }
      expect(isOutboxError(error) && error.code, op.name).toBe('NOT_FOUND');
    }
    expect(() => outbox.note(424242, 'retrying', {})).toThrow(/No update with id/);
  });

  it('a full life keeps every step in the history, in order', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const { id } = outbox.enqueue(input('SO-LIFE', { SalesOrderStatus: 'Delivered' }));
    clock.tick();
    outbox.hold(id, 'alice');
    clock.tick();
    outbox.release(id, 'alice');
    clock.tick();
    outbox.claim(id);
    outbox.note(id, 'retrying', { etagBefore: 'W/"1"', etagAfter: 'W/"2"', status: 412 });
    outbox.defer(id, clock.now() + 5000, { code: 'RETRY_LIMIT', message: 'kept changing' });
    clock.tick(5000);
    outbox.claim(id);
    outbox.markConflict(id, [{ field: 'SalesOrderStatus', base: 'Backorder', ours: 'Delivered', theirs: 'Invoiced' }], 'W/"3"');
    outbox.resolve(id, { action: 'keep-mine' }, 'bob');
    outbox.claim(id);
    outbox.markDone(id, { etagBefore: 'W/"3"', etagAfter: 'W/"4"' });
    expect(outbox.history(id).map((h) => h.kind)).toEqual([
      'queued',
      'held',
      'released',
      'sending',
      'retrying',
      'deferred',
      'sending',
      'conflict',
      'resolved',
      'sending',
      'done',
    ]);
    const u = outbox.get(id)!;
    expect(u).toMatchObject({ state: 'done', attempts: 3, lastError: null });
    expect(outbox.history(id)[4]!.detail).toEqual({ etagBefore: 'W/"1"', etagAfter: 'W/"2"', status: 412 });
  });

  it('cancel keeps the row and says who cancelled it', () => {
    const { outbox } = openTestOutbox();
    const { id } = outbox.enqueue(input('SO-C', { A: '1' }));
    const u = outbox.cancel(id, 'carol@desk');
    expect(u.state).toBe('failed');
    expect(u.lastError).toEqual({ code: 'CANCELLED', message: 'Cancelled by carol@desk' });
    expect(outbox.history(id).at(-1)).toMatchObject({ kind: 'cancelled', detail: { by: 'carol@desk' } });
  });

  it('defer records the error and the next attempt time; markDone clears the error', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const { id } = outbox.enqueue(input('SO-D', { A: '1' }));
    outbox.claim(id);
    const later = clock.now() + 60_000;
    const d = outbox.defer(id, later, { code: 'THROTTLED', message: 'Retry-After 60' });
    expect(d).toMatchObject({ state: 'pending', nextAttemptAt: later, lastError: { code: 'THROTTLED', message: 'Retry-After 60' } });
    expect(outbox.nextDue(clock.now())).toBeNull();
    expect(outbox.nextDue(later)?.id).toBe(id);
    outbox.claim(id);
    expect(outbox.markDone(id, {}).lastError).toBeNull();
  });

  it('a markConflict with no field is refused', () => {
    const { outbox } = openTestOutbox();
    const id = updateIn(outbox, 'sending');
    expect(() => outbox.markConflict(id, [], null)).toThrow();
    expect(outbox.get(id)?.state).toBe('sending');
  });
});

describe('claim', () => {
  it('stores the first GET values as the base of fields that had none, in the same step', () => {
    const { outbox } = openTestOutbox();
    const { id } = outbox.enqueue(input('SO-B', { SalesOrderStatus: 'Delivered', ShippingDate: '2026-12-01' }, { base: { SalesOrderStatus: 'Backorder' } }));
    const u = outbox.claim(id, { SalesOrderStatus: 'Invoiced', ShippingDate: '2026-11-30', Unrelated: 'x' });
    expect(u.state).toBe('sending');
    expect(u.attempts).toBe(1);
    // a base the person gave is never overwritten; fields we don't change are not recorded
    expect(u.base).toEqual({ SalesOrderStatus: 'Backorder', ShippingDate: '2026-11-30' });
    expect(u.fields).toEqual({ SalesOrderStatus: 'Delivered', ShippingDate: '2026-12-01' });
  });
});

describe('recoverInterrupted', () => {
  it('puts sending updates back to pending, flagged for a re-check, with a history event', () => {
    const clock = manualClock();
    const { outbox, file } = openTestOutbox({ now: clock.now });
    const a = updateIn(outbox, 'sending');
    const b = updateIn(outbox, 'pending');
    const c = updateIn(outbox, 'done');
    outbox.close();
    clock.tick(10_000);

    // a restart: the same file opened again
    const again = Outbox.open(file, { now: clock.now });
    try {
      expect(again.recoverInterrupted()).toEqual([a]);
      expect(again.get(a)).toMatchObject({ state: 'pending', recheck: true, nextAttemptAt: clock.now(), attempts: 1 });
      expect(again.history(a).at(-1)).toMatchObject({ kind: 'recheck', detail: { reason: 'interrupted while sending' } });
      expect(again.get(b)).toMatchObject({ state: 'pending', recheck: false });
      expect(again.get(c)?.state).toBe('done');
      expect(again.counts()).toMatchObject({ pending: 2, sending: 0, done: 1 });
      expect(again.recoverInterrupted()).toEqual([]);
    } finally {
      again.close();
    }
  });
});

describe('resolve', () => {
  function conflicted(outbox: Outbox) {
    const { id } = outbox.enqueue(
      input('SO-R', { SalesOrderStatus: 'Delivered', DeliveryModeCode: 'AIR', ShippingDate: '2026-12-01' }, { base: { SalesOrderStatus: 'Backorder', DeliveryModeCode: 'TRUCK' } }),
    );
    outbox.claim(id);
    outbox.markConflict(
      id,
      [
        { field: 'SalesOrderStatus', base: 'Backorder', ours: 'Delivered', theirs: 'Invoiced' },
        { field: 'DeliveryModeCode', base: 'TRUCK', ours: 'AIR', theirs: 'SEA' },
      ],
      'W/"7"',
    );
    return id;
  }

  function openConflicts(outbox: Outbox, id: number) {
    return outbox.db.prepare('SELECT field, resolution, resolved_by FROM conflicts WHERE update_id = ? ORDER BY id').all(id);
  }

  it('keep-mine requeues our values with what D365 holds now as the base', () => {
    const { outbox } = openTestOutbox();
    const id = conflicted(outbox);
    const u = outbox.resolve(id, { action: 'keep-mine' }, 'bob');
    expect(u.state).toBe('pending');
    expect(u.fields).toEqual({ SalesOrderStatus: 'Delivered', DeliveryModeCode: 'AIR', ShippingDate: '2026-12-01' });
    expect(u.base).toEqual({ SalesOrderStatus: 'Invoiced', DeliveryModeCode: 'SEA' });
    expect(u.lastError).toBeNull();
    expect(openConflicts(outbox, id)).toEqual([
      { field: 'SalesOrderStatus', resolution: 'keep-mine', resolved_by: 'bob' },
      { field: 'DeliveryModeCode', resolution: 'keep-mine', resolved_by: 'bob' },
    ]);
    expect(outbox.history(id).at(-1)).toMatchObject({ kind: 'resolved', detail: { action: 'keep-mine', by: 'bob' } });
  });

  it('take-theirs drops the contested fields and sends the rest', () => {
    const { outbox } = openTestOutbox();
    const id = conflicted(outbox);
    const u = outbox.resolve(id, { action: 'take-theirs' }, 'bob');
    expect(u.state).toBe('pending');
    expect(u.fields).toEqual({ ShippingDate: '2026-12-01' });
    expect(u.base).toEqual({});
    expect(openConflicts(outbox, id)).toEqual([
      { field: 'SalesOrderStatus', resolution: 'take-theirs', resolved_by: 'bob' },
      { field: 'DeliveryModeCode', resolution: 'take-theirs', resolved_by: 'bob' },
    ]);
  });

  it('take-theirs on an update with nothing left to send finishes it', () => {
    const { outbox } = openTestOutbox();
    const { id } = outbox.enqueue(input('SO-T', { SalesOrderStatus: 'Delivered' }));
    outbox.claim(id);
    outbox.markConflict(id, [{ field: 'SalesOrderStatus', base: 'Backorder', ours: 'Delivered', theirs: 'Invoiced' }], null);
    const u = outbox.resolve(id, { action: 'take-theirs' }, 'bob');
    expect(u.state).toBe('done');
    expect(outbox.counts()).toMatchObject({ conflict: 0, done: 1 });
  });

  it('edit replaces our values, validates them, and requeues', () => {
    const { outbox } = openTestOutbox();
    const id = conflicted(outbox);
    expect(() => outbox.resolve(id, { action: 'edit', fields: { 'Bad Name': 'x' } }, 'bob')).toThrow(/not a valid D365 field name/);
    expect(outbox.get(id)?.state).toBe('conflict');
    const u = outbox.resolve(id, { action: 'edit', fields: { SalesOrderStatus: 'Canceled' } }, 'bob');
    expect(u.state).toBe('pending');
    expect(u.fields).toEqual({ SalesOrderStatus: 'Canceled', DeliveryModeCode: 'AIR', ShippingDate: '2026-12-01' });
    expect(u.base).toEqual({ SalesOrderStatus: 'Invoiced', DeliveryModeCode: 'SEA' });
    expect(openConflicts(outbox, id)).toEqual([
      { field: 'SalesOrderStatus', resolution: 'edited', resolved_by: 'bob' },
      { field: 'DeliveryModeCode', resolution: 'edited', resolved_by: 'bob' },
    ]);
  });

  it('a second conflict on the same update is resolved separately from the first', () => {
    const { outbox } = openTestOutbox();
    const id = conflicted(outbox);
    outbox.resolve(id, { action: 'keep-mine' }, 'bob');
    outbox.claim(id);
    outbox.markConflict(id, [{ field: 'DeliveryModeCode', base: 'SEA', ours: 'AIR', theirs: 'RAIL' }], 'W/"8"');
    const u = outbox.resolve(id, { action: 'take-theirs' }, 'dan');
    expect(u.fields).toEqual({ SalesOrderStatus: 'Delivered', ShippingDate: '2026-12-01' });
    expect(openConflicts(outbox, id)).toEqual([
      { field: 'SalesOrderStatus', resolution: 'keep-mine', resolved_by: 'bob' },
      { field: 'DeliveryModeCode', resolution: 'keep-mine', resolved_by: 'bob' },
      { field: 'DeliveryModeCode', resolution: 'take-theirs', resolved_by: 'dan' },
    ]);
  });
});

