import { describe, expect, it } from 'vitest';
import { D365Error } from '../../../core/d365/errors.ts';
import type { SendOutcome } from '../../../core/engine/etag-retry.ts';
import { settleGroup, type SettleOptions } from '../../../core/engine/settle.ts';
import { input, manualClock, openTestOutbox } from '../outbox/fixtures.ts';

function setUp() {
  const clock = manualClock();
  const { outbox } = openTestOutbox({ now: clock.now });
  const opts = (over: Partial<SettleOptions> = {}): SettleOptions => ({ now: clock.now(), gaveUpDelayMs: 30_000, raceLimit: 3, resumeAt: null, ...over });
  const queue = (...orders: string[]) => {
    for (const o of orders) outbox.enqueue(input(o, { DeliveryModeCode: `to-${o}` }));
    return outbox.takeDue(clock.now(), 50);
  };
  return { clock, outbox, opts, queue };
}

const done = (over: Partial<Extract<SendOutcome, { kind: 'done' }>> = {}): SendOutcome => ({
  kind: 'done', alreadyApplied: false, etagBefore: 'W/"1"', etagAfter: 'W/"2"', sent: { DeliveryModeCode: 'x' }, retries: 0, autoResolved: [], ...over,
});
const race = (retries = 4): SendOutcome => ({ kind: 'gave-up', error: new D365Error('CONCURRENCY', 'PATCH: the order changed (412)', { status: 412 }), retries });

describe('settleGroup against a real outbox', () => {
  it('records every outcome and returns the events for after the commit, in order', () => {
    const s = setUp();
    const [a, b, c] = s.queue('SO-1', 'SO-2', 'SO-3');
    const outcomes = new Map<number, SendOutcome>([
      [a!.id, done()],
      [b!.id, { kind: 'conflict', conflicts: [{ field: 'DeliveryModeCode', base: '10', ours: 'to-SO-2', theirs: '40' }], etag: 'W/"9"', retries: 0, autoResolved: [] }],
      [c!.id, { kind: 'failed', error: new D365Error('VALIDATION', 'D365 refused it: closed order', { status: 400 }), retries: 0 }],
    ]);
    const settled = s.outbox.transaction(() => settleGroup(s.outbox, [a!, b!, c!], outcomes, new Set([a!.id]), s.opts()));
    expect(settled.events.map((e) => `${e.type}:${'id' in e ? e.id : ''}`)).toEqual([`done:${a!.id}`, `conflict:${b!.id}`, `failed:${c!.id}`]);
    expect(settled.events[2]).toMatchObject({ orderNumber: 'SO-3', company: 'USMF', error: { code: 'VALIDATION', message: 'D365 refused it: closed order' } });
    expect(settled.tallies).toEqual(['done', 'conflict', 'failed']);
    expect(settled.interruption).toBeNull();
    expect([a, b, c].map((u) => s.outbox.get(u!.id)!.state)).toEqual(['done', 'conflict', 'failed']);
  });

  it('emits nothing itself: a commit that fails leaves every update as it was', () => {
    const s = setUp();
    const [a] = s.queue('SO-1');
    let events: unknown[] = [];
    expect(() =>
      s.outbox.transaction(() => {
        events = settleGroup(s.outbox, [a!], new Map([[a!.id, done()]]), new Set(), s.opts()).events;
        throw new Error('disk full');
      }),
    ).toThrow(/disk full/);
    expect(events).toHaveLength(1); // handed back to the caller, who never got to tell anyone
    expect(s.outbox.get(a!.id)!.state).toBe('pending');
    expect(s.outbox.history(a!.id).map((h) => h.kind)).toEqual(['queued']);
  });

  it('a lost race waits gaveUpDelayMs for a later pass, and past raceLimit passes fails with LOST_RACE', () => {
    const s = setUp();
    let [u] = s.queue('SO-1');
    const first = settleGroup(s.outbox, [u!], new Map([[u!.id, race()]]), new Set([u!.id]), s.opts());
    expect(first.tallies).toEqual(['deferred']);
    expect(first.events).toEqual([{ type: 'deferred', id: u!.id, until: s.clock.now() + 30_000, error: { code: 'CONCURRENCY', message: expect.stringMatching(/^Still changing in D365 after 4 tries/) } }]);
    expect(s.outbox.get(u!.id)).toMatchObject({ state: 'pending', nextAttemptAt: s.clock.now() + 30_000 });
    s.clock.tick(30_000);
    [u] = s.outbox.takeDue(s.clock.now(), 1);
    settleGroup(s.outbox, [u!], new Map([[u!.id, race()]]), new Set(), s.opts());
    s.clock.tick(30_000);
    [u] = s.outbox.takeDue(s.clock.now(), 1);
    const third = settleGroup(s.outbox, [u!], new Map([[u!.id, race()]]), new Set(), s.opts());
    expect(third.tallies).toEqual(['failed']);
    expect(third.events[0]).toMatchObject({ type: 'failed', error: { code: 'LOST_RACE' } });
    expect(s.outbox.get(u!.id)!.lastError!.code).toBe('LOST_RACE');
  });

  it('an interruption defers its update to when the pause ends and is handed back, without an event', () => {
    const s = setUp();
    const [a, b] = s.queue('SO-1', 'SO-2');
    const throttled = new D365Error('THROTTLED', 'D365 is throttling requests (429)', { status: 429, retryAfterMs: 60_000 });
    const settled = settleGroup(s.outbox, [a!, b!], new Map<number, SendOutcome>([[a!.id, { kind: 'interrupted', error: throttled, retries: 0 }], [b!.id, { kind: 'interrupted', error: throttled, retries: 0 }]]), new Set(), s.opts({ resumeAt: s.clock.now() + 60_000 }));
    expect(settled.events).toEqual([]);
    expect(settled.interruption).toBe(throttled);
    expect(settled.tallies).toEqual(['interrupted', 'interrupted']);
    expect(s.outbox.get(a!.id)).toMatchObject({ state: 'pending', nextAttemptAt: s.clock.now() + 60_000, lastError: { code: 'THROTTLED' } });
  });

  it('an outage probed again and again records its error once, not on every probe', () => {
    const s = setUp();
    const offline = new D365Error('OFFLINE', 'GET order SO-1 (USMF): D365 is not reachable — connection refused');
    const [queued] = s.queue('SO-1');
    for (let probe = 0; probe < 3; probe++) {
      const [u] = probe === 0 ? [queued] : s.outbox.takeDue(s.clock.now(), 1);
      settleGroup(s.outbox, [u!], new Map([[u!.id, { kind: 'interrupted', error: offline, retries: 0 } as SendOutcome]]), new Set(), s.opts());
    }
    expect(s.outbox.history(queued!.id).filter((h) => h.kind === 'deferred')).toHaveLength(1);
    expect(s.outbox.get(queued!.id)!.lastError).toEqual({ code: 'OFFLINE', message: offline.message });
  });

  it('releases what it took: an update not settled (the drain stopped first) merges new changes again', () => {
    const control = setUp();
    control.queue('SO-2');
    // taken and not released, a change queues behind instead of merging
    expect(control.outbox.enqueue(input('SO-2', { SalesOrderName: 'x' })).coalesced).toBe(false);

    const s = setUp();
    const [a, b] = s.queue('SO-1', 'SO-2');
    const settled = settleGroup(s.outbox, [a!, b!], new Map([[a!.id, done()]]), new Set(), s.opts());
    expect(settled.tallies).toEqual(['done']);
    expect(s.outbox.enqueue(input('SO-2', { SalesOrderName: 'x' }))).toEqual({ id: b!.id, coalesced: true });
  });

  it('a claimed update the drain stopped goes back to pending, due now; an unclaimed one is left alone', () => {
    const s = setUp();
    const [a, b] = s.queue('SO-1', 'SO-2');
    s.outbox.claim(a!.id);
    const settled = settleGroup(s.outbox, [a!, b!], new Map<number, SendOutcome>([[a!.id, { kind: 'stopped', retries: 0 }], [b!.id, { kind: 'stopped', retries: 0 }]]), new Set([a!.id]), s.opts());
    expect(settled.tallies).toEqual(['stopped', 'stopped']);
    expect(s.outbox.get(a!.id)).toMatchObject({ state: 'pending', nextAttemptAt: s.clock.now() });
    expect(s.outbox.history(b!.id).map((h) => h.kind)).toEqual(['queued']);
  });

  it("a person's hold while the GET was in flight wins: that update is skipped, the others settle", () => {
    const s = setUp();
    const [a, b] = s.queue('SO-1', 'SO-2');
    s.outbox.hold(a!.id, 'desk');
    const settled = settleGroup(s.outbox, [a!, b!], new Map([[a!.id, done()], [b!.id, done()]]), new Set(), s.opts());
    expect(settled.tallies).toEqual(['done']);
    expect(s.outbox.get(a!.id)!.state).toBe('held');
    expect(s.outbox.get(b!.id)!.state).toBe('done');
  });

  it('a claimed update that cannot be settled is an error, not silently skipped', () => {
    const s = setUp();
    const [a] = s.queue('SO-1');
    s.outbox.claim(a!.id);
    s.outbox.markDone(a!.id, {});
    expect(() => settleGroup(s.outbox, [a!], new Map([[a!.id, done()]]), new Set([a!.id]), s.opts())).toThrow(/is done/);
  });

  it('auto-resolved fields are logged as already resolved beside the outcome', () => {
    const s = setUp();
    const [a] = s.queue('SO-1');
    settleGroup(s.outbox, [a!], new Map([[a!.id, done({ autoResolved: [{ field: 'DeliveryModeCode', base: '10', ours: 'to-SO-1', theirs: '40', resolution: 'policy-theirs' }] })]]), new Set(), s.opts());
    expect(s.outbox.db.prepare('SELECT field, resolution, resolved_by FROM conflicts WHERE update_id = ?').all(a!.id)).toEqual([{ field: 'DeliveryModeCode', resolution: 'policy-theirs', resolved_by: 'policy' }]);
  });
});
