import { afterEach, describe, expect, it } from 'vitest';
import { SINGLE_REQUESTS_FOR_MS, type BatchSettings } from '../../../core/d365/batch-settings.ts';
import { createDispatcher, D365Client } from '../../../core/d365/client.ts';
import { D365Error } from '../../../core/d365/errors.ts';
import { PROFILES } from '../../../core/d365/profile.ts';
import { LENIENT_SERVER, STRICT_SERVER, type BatchRules } from '../../../core/simulator/simulator.ts';
import { buildRig, type Rig } from '../engine/harness.ts';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const order = (i: number) => `SO-${String(i).padStart(6, '0')}`;
const batches = (rig: Rig, root = '/data') => rig.sim.requestLog.filter((e) => e.method === 'POST' && e.path === `${root}/$batch`);
const singles = (rig: Rig, root = '/data') => rig.sim.requestLog.filter((e) => e.path.startsWith(`${root}/`) && !e.path.startsWith(`${root}/$batch`));
const pauses = (rig: Rig) => rig.seen.filter((e) => e.type === 'paused');

interface Learned {
  settings: BatchSettings;
  notice: string | null;
}

async function start(rules: Partial<BatchRules>, more: { orders?: number; settings?: BatchSettings; learned?: Learned[] } = {}): Promise<Rig> {
  const learned = more.learned ?? [];
  return buildRig({
    sim: { orders: more.orders ?? 20, batchRules: rules },
    client: { batchSettings: more.settings, onBatchLearned: (settings, notice) => learned.push({ settings, notice }) },
  });
}

function enqueueMany(rig: Rig, count: number, value: (i: number) => string = (i) => `B${i}`): number[] {
  return rig.outbox.transaction(() => Array.from({ length: count }, (_, k) => rig.enqueue(order(k + 1), { DeliveryModeCode: value(k + 1) })));
}

describe.each([
  ['strict', STRICT_SERVER],
  ['lenient', LENIENT_SERVER],
] as const)('$batch against a %s server', (_name, rules) => {
  it('drains K orders in two round trips: request lines relative to the service root, continue-on-error asked for', async () => {
    r = await start(rules);
    enqueueMany(r, 10);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 10, failed: 0 });
    expect(batches(r)).toHaveLength(2);
    expect(batches(r).every((e) => e.status === 200 && e.prefer === 'odata.continue-on-error')).toBe(true);
    expect(singles(r)).toHaveLength(0);
    for (let i = 1; i <= 10; i++) expect(r.sim.order('USMF', order(i))!.DeliveryModeCode).toBe(`B${i}`);
    expect(r.client.batching).toBe(true);
  });

  it('settles what a server that stops early answered; the rest go again without a pause or a retry', async () => {
    r = await start({ ...rules, stopAtFailure: 'always' });
    r.sim.seedOrder('USMF', 'SO-INVOICED', { SalesOrderStatus: 'Invoiced' });
    const ids = r.outbox.transaction(() => [
      r!.enqueue(order(1), { DeliveryModeCode: 'E1' }),
      r!.enqueue('SO-MISSING', { DeliveryModeCode: 'E2' }),
      r!.enqueue(order(3), { DeliveryModeCode: 'E3' }),
      r!.enqueue('SO-INVOICED', { SalesOrderStatus: 'Backorder' }),
      r!.enqueue(order(5), { DeliveryModeCode: 'E5' }),
    ]);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 3, failed: 2, conflict: 0 });
    expect(r.outbox.get(ids[1]!)!.lastError!.code).toBe('NOT_FOUND');
    expect(r.outbox.get(ids[3]!)!.lastError!.message).toMatch(/Invoiced/);
    for (const [i, v] of [[1, 'E1'], [3, 'E3'], [5, 'E5']] as const) expect(r.sim.order('USMF', order(i))!.DeliveryModeCode).toBe(v);
    // the stops cost round trips, nothing else
    expect(batches(r).length).toBeGreaterThan(2);
    expect(pauses(r)).toEqual([]);
    expect(r.seen.filter((e) => e.type === 'retrying')).toEqual([]);
    r.metrics.flush();
    expect(r.metrics.snapshot().totals.retries).toBe(0);
    expect(r.client.batching).toBe(true);
  });

  it('maps answers by Content-ID when they come back shuffled', async () => {
    r = await start({ ...rules, answerOrder: 'shuffled' });
    enqueueMany(r, 12, (i) => `S${i}`);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 12, failed: 0, deferred: 0 });
    for (let i = 1; i <= 12; i++) expect(r.sim.order('USMF', order(i))!.DeliveryModeCode).toBe(`S${i}`);
    expect(r.seen.filter((e) => e.type === 'retrying')).toEqual([]);
    expect(batches(r)).toHaveLength(2);
  });

  it('places answers without Content-IDs by position, a failed changeset included', async () => {
    r = await start({ ...rules, answerIds: 'omit' });
    r.sim.script({ method: 'PATCH', pathIncludes: order(2), kind: 'writer', fields: { SalesOrderName: 'noise' } });
    const ids = enqueueMany(r, 4);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 4, conflict: 0, failed: 0 });
    expect(r.outbox.history(ids[1]!).map((h) => h.kind)).toContain('retrying');
    for (let i = 1; i <= 4; i++) expect(r.sim.order('USMF', order(i))!.DeliveryModeCode).toBe(`B${i}`);
  });

  it('never reports a write done whose changeset failed: two PATCHes of one order, the second stale', async () => {
    r = await start({ ...rules, failedGroup: 'report-original' });
    const before = r.sim.order('USMF', order(1))!;
    const [a, b] = await r.client.readOrders([{ company: 'USMF', orderNumber: order(1) }, { company: 'USMF', orderNumber: order(2) }], [['DeliveryModeCode'], ['DeliveryModeCode']]);
    if (!a || !b || a instanceof D365Error || b instanceof D365Error) throw new Error('reads failed');
    const { written: results } = await r.client.writeOrders([
      { snapshot: a, fields: { DeliveryModeCode: 'FIRST' }, what: 'first' },
      // the same ETag again: stale once the first write lands, so the whole changeset fails
      { snapshot: a, fields: { SalesOrderName: 'second' }, what: 'second' },
      { snapshot: b, fields: { DeliveryModeCode: 'OTHER' }, what: 'other order' },
    ]);
    expect(results.map((x) => (x instanceof D365Error ? x.code : 'ok'))).toEqual(['NOT_EXECUTED', 'CONCURRENCY', 'ok']);
    expect(r.sim.order('USMF', order(1))).toEqual(before);
    expect(r.sim.order('USMF', order(2))!.DeliveryModeCode).toBe('OTHER');
  });
});

describe('$batch, conformant and robust', () => {
  it('reads an outer 400 with its parts as the batch answer it is (Dataverse)', async () => {
    r = await start({ ...STRICT_SERVER, failedBatchStatus: 400 });
    r.sim.seedOrder('USMF', 'SO-INVOICED', { SalesOrderStatus: 'Invoiced' });
    r.outbox.transaction(() => {
      for (let i = 1; i <= 4; i++) r!.enqueue(order(i), { DeliveryModeCode: `F${i}` });
      r!.enqueue('SO-INVOICED', { SalesOrderStatus: 'Delivered' });
    });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 4, failed: 1 });
    expect(batches(r).map((e) => e.status)).toContain(400);
    expect(singles(r)).toHaveLength(0);
    expect(r.client.batching).toBe(true);
    expect(pauses(r)).toEqual([]);
  });

  it('detects the request-line form a server takes, once, and a client that remembers it does not ask again', async () => {
    const learned: Learned[] = [];
    r = await start({ ...STRICT_SERVER, requestLines: 'absolute-path' }, { learned });
    enqueueMany(r, 6);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 6, failed: 0 });
    for (let i = 1; i <= 6; i++) expect(r.sim.order('USMF', order(i))!.DeliveryModeCode).toBe(`B${i}`);
    expect(learned).toEqual([{ settings: { requestLines: 'absolute-path' }, notice: null }]);
    expect(r.client.batchSettings.requestLines).toBe('absolute-path');
    expect(pauses(r)).toEqual([]);
    const firstRun = batches(r).length;
    expect(firstRun).toBeGreaterThan(2);

    // a new client for the same connection starts from what was learned: two round trips, no probing
    await r.close();
    const remembered: Learned[] = [];
    r = await start({ ...STRICT_SERVER, requestLines: 'absolute-path' }, { settings: learned[0]!.settings, learned: remembered });
    enqueueMany(r, 6, (i) => `C${i}`);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 6 });
    expect(batches(r)).toHaveLength(2);
    expect(remembered).toEqual([]);
  });

  it('finds the way back when what it remembered no longer works', async () => {
    const learned: Learned[] = [];
    r = await start(STRICT_SERVER, { settings: { requestLines: 'absolute-uri' }, learned });
    enqueueMany(r, 3);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 3 });
    expect(learned.map((l) => l.settings.requestLines)).toEqual(['relative']);
  });

  it('takes genuine 404s as such once the form is proven', async () => {
    r = await start(STRICT_SERVER);
    r.outbox.transaction(() => {
      r!.enqueue('SO-GONE-1', { DeliveryModeCode: 'X' });
      r!.enqueue('SO-GONE-2', { DeliveryModeCode: 'X' });
    });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ failed: 2 });
    expect(r.client.batchSettings).toEqual({});
  });

  it('goes over to single requests after two unusable $batch answers in a row, says so, and tries $batch again hours later', async () => {
    const learned: Learned[] = [];
    r = await start(STRICT_SERVER, { learned });
    const garbage = { kind: 'status', method: 'POST', pathIncludes: '$batch', status: 200, body: 'this is not a batch', contentType: 'text/plain' } as const;
    r.sim.script(garbage, garbage);
    const started = Date.now();
    enqueueMany(r, 5);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 5, failed: 0 });
    for (let i = 1; i <= 5; i++) expect(r.sim.order('USMF', order(i))!.DeliveryModeCode).toBe(`B${i}`);
    expect(pauses(r)).toEqual([]);
    expect(batches(r)).toHaveLength(2);
    expect(r.client.batching).toBe(false);
    expect(learned).toHaveLength(1);
    const until = learned[0]!.settings.singleRequestsUntil!;
    expect(until).toBeGreaterThanOrEqual(started + SINGLE_REQUESTS_FOR_MS);
    expect(until).toBeLessThanOrEqual(Date.now() + SINGLE_REQUESTS_FOR_MS);
    expect(learned[0]!.notice).toMatch(/single requests .* 2 \$batch answers in a row could not be used .*tried again/);

    // a client built from what was learned keeps to single requests, until the time has passed
    const dispatcher = createDispatcher();
    try {
      let now = Date.now();
      const next = new D365Client({ serviceRoot: r.sim.foDataUrl, profile: PROFILES.fo, tokens: r.tokens, dispatcher, now: () => now, batchSettings: learned[0]!.settings });
      expect(next.batching).toBe(false);
      now = until + 1;
      expect(next.batching).toBe(null);
    } finally {
      await dispatcher.close();
    }
  });

  it('one unusable answer is not enough: the next good one keeps $batch', async () => {
    const learned: Learned[] = [];
    r = await start(STRICT_SERVER, { learned });
    r.sim.script({ kind: 'html', method: 'POST', pathIncludes: '$batch' });
    enqueueMany(r, 4);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 4 });
    enqueueMany(r, 4, (i) => `again${i}`);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 4 });
    expect(r.client.batching).toBe(true);
    expect(learned).toEqual([]);
    expect(pauses(r)).toEqual([]);
  });

  it('splits what exceeds the batch limit, as configured per connection', async () => {
    r = await buildRig({ sim: { orders: 12 }, drainer: { batchSize: 12 }, client: { batchSettings: { maxOperations: 5 } } });
    enqueueMany(r, 12);
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 12 });
    // groups of 2 (half the limit: a group's writes carry the next group's reads): the reads of
    // the first group, then 6 batches of its writes with the next group's reads, 4 operations each
    expect(batches(r)).toHaveLength(7);
  });
});

describe('a long drain against the strictest server', () => {
  it('drains 300 updates under background writers with nothing stalled: each done is in D365, each conflict real', async () => {
    r = await buildRig({
      sim: {
        orders: 300,
        seed: 7,
        batchRules: { ...STRICT_SERVER, stopAtFailure: 'always', answerOrder: 'shuffled' },
        writers: { onRequest: 0.2, perSecond: 30, sameFieldProbability: 0.15 },
      },
      drainer: { retry: { retryLimit: 6, backoffMs: [5, 10, 20], jitter: 0.25 } },
    });
    const ids = r.outbox.transaction(() =>
      Array.from({ length: 300 }, (_, k) =>
        // every 50th order does not exist; the rest carry the base the person saw
        k % 50 === 49 ? r!.enqueue(`SO-NONE-${k}`, { DeliveryModeCode: 'N' }) : r!.enqueue(order(k + 1), { DeliveryModeCode: `D${k + 1}` }, { DeliveryModeCode: '10' }),
      ),
    );
    const summary = await r.drainer.drainUntilIdle();
    expect(r.outbox.counts()).toMatchObject({ pending: 0, sending: 0 });
    expect(summary.done + summary.conflict + summary.failed).toBe(300);
    expect(summary.failed).toBe(6);
    expect(pauses(r)).toEqual([]);
    // writers keep writing after we are done, so judge by D365's own log, not its latest state
    const written = (k: number, by: 'client' | 'writer') =>
      r!.sim.writeLog.filter((w) => w.by === by && w.orderNumber === order(k + 1) && w.fields.DeliveryModeCode !== undefined);
    for (const [k, id] of ids.entries()) {
      const u = r.outbox.get(id)!;
      if (k % 50 === 49) {
        expect(u.state).toBe('failed');
        continue;
      }
      if (u.state === 'done') {
        const mine = written(k, 'client');
        expect(mine.map((w) => w.fields.DeliveryModeCode)).toEqual([`D${k + 1}`]);
        expect(r.outbox.history(id).find((h) => h.kind === 'done')!.detail!.etagAfter).toBe(mine[0]!.etagAfter);
      } else {
        expect(u.state).toBe('conflict');
        expect(written(k, 'client')).toEqual([]);
        expect(written(k, 'writer').length).toBeGreaterThan(0);
      }
    }
    expect(r.sim.writeLog.filter((w) => w.by === 'writer').length).toBeGreaterThan(50);
    expect(summary.done).toBeGreaterThan(200);
  }, 60_000);
});
