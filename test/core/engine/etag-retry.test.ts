import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDispatcher, D365Client } from '../../../core/d365/client.ts';
import type { D365Error } from '../../../core/d365/errors.ts';
import { PROFILES } from '../../../core/d365/profile.ts';
import { EntraTokenSource } from '../../../core/d365/token.ts';
import { backoffDelay, checkFields, DEFAULT_RETRY, sendGroup, type RetryPolicy, type SendHooks } from '../../../core/engine/etag-retry.ts';
import type { Fields, Update } from '../../../core/outbox/types.ts';
import { Simulator } from '../../../core/simulator/simulator.ts';
import { FakeScheduler } from '../../support/fake-scheduler.ts';

describe('checkFields: the three-way check per changed field', () => {
  it('sends a field D365 still holds at its base, and skips one that already holds ours', () => {
    const r = checkFields({ A: 'ours', B: 'same' }, { A: 'base', B: 'base' }, { A: 'base', B: 'same' }, {});
    expect(r).toEqual({ send: { A: 'ours' }, conflicts: [], autoResolved: [], applied: false });
  });

  it('is applied when every changed field already holds our value (a PATCH that landed before a crash)', () => {
    const r = checkFields({ A: 'x', D: '2027-01-15T12:00:00Z', N: null }, { A: 'old' }, { A: 'x', D: '2027-01-15T12:00:00.000+00:00' }, {});
    expect(r.applied).toBe(true);
    expect(r.send).toEqual({});
  });

  it('a field someone else changed to a third value is a conflict naming base, ours and theirs', () => {
    const r = checkFields({ A: 'ours' }, { A: 'base' }, { A: 'theirs' }, {});
    expect(r.conflicts).toEqual([{ field: 'A', base: 'base', ours: 'ours', theirs: 'theirs' }]);
    expect(r.send).toEqual({});
    expect(r.applied).toBe(false);
  });

  it('never looks at fields it does not change, however they moved', () => {
    const r = checkFields({ A: 'ours' }, { A: 'base' }, { A: 'base', B: 'changed by the warehouse', C: 42 }, {});
    expect(r).toMatchObject({ send: { A: 'ours' }, conflicts: [] });
  });

  it('without a base, what D365 holds now is the base', () => {
    expect(checkFields({ A: 'ours' }, {}, { A: 'whatever is there' }, {}).send).toEqual({ A: 'ours' });
  });

  it("a value this outbox sent earlier is our own write, not someone else's change", () => {
    const own = { A: ['sent-before-crash'] };
    expect(checkFields({ A: 'ours' }, { A: 'base' }, { A: 'sent-before-crash' }, {}, own).send).toEqual({ A: 'ours' });
    // the same value without the record of our own write is a conflict
    expect(checkFields({ A: 'ours' }, { A: 'base' }, { A: 'sent-before-crash' }, {}).conflicts).toHaveLength(1);
  });

  it("a per-field policy settles a conflict: 'ours' sends ours, 'theirs' leaves theirs, both logged", () => {
    const r = checkFields({ A: 'ours', B: 'ours' }, { A: 'base', B: 'base' }, { A: 'theirs', B: 'theirs' }, { A: 'ours', B: 'theirs' });
    expect(r.send).toEqual({ A: 'ours' });
    expect(r.conflicts).toEqual([]);
    expect(r.autoResolved).toEqual([
      { field: 'A', base: 'base', ours: 'ours', theirs: 'theirs', resolution: 'policy-ours' },
      { field: 'B', base: 'base', ours: 'ours', theirs: 'theirs', resolution: 'policy-theirs' },
    ]);
  });

  it('an unsure field (base-less, order changed after queueing) asks a person even when D365 holds the first-seen value', () => {
    const r = checkFields({ A: 'ours' }, { A: 'first-seen' }, { A: 'first-seen' }, {}, {}, new Set(['A']));
    expect(r.conflicts).toEqual([{ field: 'A', base: null, ours: 'ours', theirs: 'first-seen' }]);
    expect(r.send).toEqual({});
  });
});

describe('backoffDelay', () => {
  const policy: RetryPolicy = { retryLimit: 3, backoffMs: [500, 1500, 4000], jitter: 0.25 };

  it('waits about 0.5 s, 1.5 s, 4 s, and the last again after that', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 9].map((a) => backoffDelay(policy, a, mid))).toEqual([500, 1500, 4000, 4000, 4000]);
  });

  it('spreads each wait by at most ±jitter', () => {
    expect(backoffDelay(policy, 2, () => 0)).toBe(1125);
    expect(backoffDelay(policy, 2, () => 0.999999)).toBe(1875);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(policy, 1, Math.random);
      expect(d).toBeGreaterThanOrEqual(375);
      expect(d).toBeLessThanOrEqual(625);
    }
  });

  it('is never negative, whatever the jitter', () => {
    expect(backoffDelay({ ...policy, jitter: 3 }, 1, () => 0)).toBe(0);
  });
});

describe('sendGroup against the simulator over real HTTP, on a fake clock', () => {
  let sim: Simulator | null = null;
  const dispatcher = createDispatcher({ connectMs: 2000, headersMs: 2000, bodyMs: 2000 });
  afterEach(async () => {
    await sim?.stop();
    sim = null;
  });
  afterAll(() => dispatcher.close());

  async function setUp() {
    sim = await Simulator.start({ orders: 5 });
    const tokens = new EntraTokenSource({ authorityUrl: sim.authorityUrl, tenant: 'sim-tenant', clientId: 'outbox-agent', scope: `${sim.url}/.default` }, async () => 'sim-secret', dispatcher);
    const client = new D365Client({ serviceRoot: sim.foDataUrl, profile: PROFILES.fo, tokens, dispatcher, batch: false });
    const clock = new FakeScheduler();
    const log: string[] = [];
    const claimed: { id: number; baseAdditions: Fields }[][] = [];
    let allow = true;
    const hooks: SendHooks = {
      claim: (items) => {
        claimed.push(items);
        return new Set(allow ? items.map((i) => i.id) : []);
      },
      request: (method, count) => log.push(`${method}×${count}`),
      concurrencyError: () => log.push('412'),
      retrying: (id, attempt, delayMs) => log.push(`retry ${id} #${attempt} in ${delayMs}`),
    };
    const deps = {
      sleep: async (ms: number, signal?: AbortSignal) => {
        await clock.sleep(ms, signal);
        return !signal?.aborted;
      },
      random: () => 0.5,
      fieldPolicy: {},
    };
    const update = (id: number, orderNumber: string, fields: Fields, base: Fields | null = null): Update => ({
      id, profile: 'fo', company: 'USMF', orderNumber, fields, base, source: 'cli', queuedBy: 't', state: 'pending', recheck: false,
      attempts: 0, nextAttemptAt: 0, lastError: null, createdAt: 0, updatedAt: 0,
    });
    return { sim, client, clock, log, claimed, hooks, deps, update, refuse: () => (allow = false) };
  }

  it('re-reads after a lost race and tries again after the backoff the policy gives, claiming only once', async () => {
    const s = await setUp();
    s.sim.script({ method: 'PATCH', kind: 'writer', fields: { SalesOrderName: 'the warehouse' } });
    const run = sendGroup([s.update(1, 'SO-000001', { DeliveryModeCode: '30' })], s.client, DEFAULT_RETRY, s.hooks, s.deps).then((r) => r.outcomes);
    expect(await s.clock.drive(run)).toBe(true);
    const outcome = (await run).get(1)!;
    expect(outcome).toMatchObject({ kind: 'done', retries: 1, sent: { DeliveryModeCode: '30' } });
    expect(s.clock.slept).toEqual([500]);
    expect(s.log).toEqual(['GET×1', 'PATCH×1', '412', 'retry 1 #1 in 500', 'GET×1', 'PATCH×1']);
    expect(s.claimed).toEqual([[{ id: 1, baseAdditions: { DeliveryModeCode: '10' } }]]);
    expect(s.sim.order('USMF', 'SO-000001')).toMatchObject({ DeliveryModeCode: '30', SalesOrderName: 'the warehouse' });
  });

  it('gives up after the retry limit: the update waits for a later pass, nothing is lost', async () => {
    const s = await setUp();
    for (let i = 0; i < 3; i++) s.sim.script({ method: 'PATCH', kind: 'writer', fields: { SalesOrderName: `busy ${i}` } });
    const policy = { ...DEFAULT_RETRY, retryLimit: 2 };
    const run = sendGroup([s.update(1, 'SO-000002', { DeliveryModeCode: '30' })], s.client, policy, s.hooks, s.deps).then((r) => r.outcomes);
    await s.clock.drive(run);
    const outcome = (await run).get(1)!;
    expect(outcome.kind).toBe('gave-up');
    expect(outcome.retries).toBe(3);
    expect((outcome as { error: D365Error }).error.code).toBe('CONCURRENCY');
    expect(s.clock.slept).toEqual([500, 1500]);
    expect(s.sim.order('USMF', 'SO-000002')!.DeliveryModeCode).toBe('10');
  });

  it('a drain that stops during the backoff sends nothing more', async () => {
    const s = await setUp();
    s.sim.script({ method: 'PATCH', kind: 'writer', fields: { SalesOrderName: 'busy' } });
    const stop = new AbortController();
    const run = sendGroup([s.update(1, 'SO-000003', { DeliveryModeCode: '30' })], s.client, DEFAULT_RETRY, s.hooks, { ...s.deps, signal: stop.signal }).then((r) => r.outcomes);
    expect(await s.clock.drive(run, { stopAtWaitMs: 1 })).toBe(false);
    stop.abort();
    expect((await run).get(1)).toMatchObject({ kind: 'stopped', retries: 1 });
    expect(s.log.filter((l) => l.startsWith('GET'))).toHaveLength(1);
  });

  it('an update the claim refuses (a person held it meanwhile) is never PATCHed', async () => {
    const s = await setUp();
    s.refuse();
    const run = sendGroup([s.update(1, 'SO-000004', { DeliveryModeCode: '30' })], s.client, DEFAULT_RETRY, s.hooks, s.deps).then((r) => r.outcomes);
    await s.clock.drive(run);
    expect((await run).get(1)).toMatchObject({ kind: 'stopped' });
    expect(s.sim.requestLog.filter((e) => e.method === 'PATCH')).toHaveLength(0);
  });

  it('a true conflict is found on the first read and nothing is written', async () => {
    const s = await setUp();
    s.sim.writeAsOtherUser('USMF', 'SO-000005', { DeliveryModeCode: 'THEIRS' });
    const run = sendGroup([s.update(1, 'SO-000005', { DeliveryModeCode: 'OURS' }, { DeliveryModeCode: '10' })], s.client, DEFAULT_RETRY, s.hooks, s.deps).then((r) => r.outcomes);
    await s.clock.drive(run);
    expect((await run).get(1)).toMatchObject({ kind: 'conflict', conflicts: [{ field: 'DeliveryModeCode', base: '10', ours: 'OURS', theirs: 'THEIRS' }] });
    expect(s.claimed).toEqual([]);
  });

  it('throttling interrupts the group with D365\'s wait; refused values fail with D365\'s message', async () => {
    const s = await setUp();
    s.sim.script({ method: 'GET', kind: 'throttle', retryAfter: 7 });
    const run = sendGroup([s.update(1, 'SO-000001', { DeliveryModeCode: '30' })], s.client, DEFAULT_RETRY, s.hooks, s.deps).then((r) => r.outcomes);
    await s.clock.drive(run);
    expect((await run).get(1)).toMatchObject({ kind: 'interrupted', error: { code: 'THROTTLED', retryAfterMs: 7000 } });

    s.sim.seedOrder('USMF', 'SO-CLOSED', { SalesOrderStatus: 'Invoiced' });
    const refused = sendGroup([s.update(2, 'SO-CLOSED', { SalesOrderStatus: 'Backorder' })], s.client, DEFAULT_RETRY, s.hooks, s.deps).then((r) => r.outcomes);
    await s.clock.drive(refused);
    const failed = (await refused).get(2)!;
    expect(failed.kind).toBe('failed');
    expect((failed as { error: D365Error }).error.message).toMatch(/Invoiced/);
  });
});
