import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher, D365Client } from '../../../core/d365/client.ts';
import { PROFILES } from '../../../core/d365/profile.ts';
import { Drainer, type DrainerOptions } from '../../../core/engine/drainer.ts';
import { Metrics } from '../../../core/metrics.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { FakeScheduler } from '../../support/fake-scheduler.ts';
import { buildRig, FAST, nextEvent, rig, type Rig } from './harness.ts';

let r: Rig | null = null;
const cleanups: (() => Promise<void>)[] = [];
async function closeRig(): Promise<void> {
  for (const c of cleanups.splice(0)) await c();
  await r?.close();
  r = null;
}
afterEach(closeRig);

/**
 * The rig with the drain, the client, the metrics and the simulator's logs on one fake clock,
 * so a test waits out a backoff or a Retry-After without sleeping. 14:10 UTC: any time zone is
 * then inside one hour of day for the few minutes a test moves the clock.
 */
async function onFakeClock(options: DrainerOptions = {}, start = Date.UTC(2026, 10, 22, 14, 10)) {
  const clock = new FakeScheduler(start);
  r = await buildRig({ sim: { now: clock.now } });
  const dispatcher = createDispatcher({ connectMs: 2000, headersMs: 2000, bodyMs: 2000 });
  const client = new D365Client({ serviceRoot: r.client.serviceRoot, profile: r.client.profile, tokens: r.tokens, dispatcher, now: clock.now });
  const metrics = new Metrics(r.outbox.db, clock.now);
  const drainer = new Drainer(r.outbox, client, r.events, metrics, { ...FAST, ...options, scheduler: clock });
  cleanups.push(async () => {
    await drainer.stop();
    await dispatcher.close();
  });
  return { clock, drainer, metrics, rig: r };
}

const patches = (x: Rig) => x.sim.requestLog.filter((e) => e.method === 'PATCH');

describe('drainer against the simulator over real HTTP', () => {
  it('applies a clean update with one GET and one If-Match PATCH', async () => {
    r = await rig();
    const id = r.enqueue('SO-000001', { DeliveryModeCode: '30', RequestedShippingDate: '2027-01-15T12:00:00Z' });
    const summary = await r.drainer.drainUntilIdle();
    expect(summary).toMatchObject({ done: 1, conflict: 0, failed: 0 });
    expect(r.sim.order('USMF', 'SO-000001')).toMatchObject({ DeliveryModeCode: '30' });
    expect(Date.parse(String(r.sim.order('USMF', 'SO-000001')!.RequestedShippingDate))).toBe(Date.parse('2027-01-15T12:00:00Z'));
    expect(r.sim.writeLog.filter((w) => w.by === 'client')).toHaveLength(1);
    const u = r.outbox.get(id)!;
    expect(u.state).toBe('done');
    const done = r.outbox.history(id).find((h) => h.kind === 'done')!;
    expect(done.detail).toMatchObject({ alreadyApplied: false, etagBefore: expect.stringMatching(/^W\/"/), etagAfter: expect.stringMatching(/^W\/"/) });
    expect(done.detail!.etagBefore).not.toBe(done.detail!.etagAfter);
  });

  it('re-reads after a 412 and succeeds, with the retry in the history', async () => {
    r = await rig();
    r.sim.script({ method: 'PATCH', kind: 'writer', fields: { SalesOrderName: 'touched by the warehouse' } });
    const id = r.enqueue('SO-000002', { DeliveryModeCode: '40' });
    const summary = await r.drainer.drainUntilIdle();
    expect(summary.done).toBe(1);
    expect(r.sim.requestLog.some((e) => e.method === 'PATCH' && e.status === 412)).toBe(true);
    expect(r.sim.order('USMF', 'SO-000002')).toMatchObject({ DeliveryModeCode: '40', SalesOrderName: 'touched by the warehouse' });
    expect(r.outbox.history(id).map((h) => h.kind)).toContain('retrying');
    expect(r.metrics.snapshot().totals).toMatchObject({ concurrencyErrors: 1, retries: 1, successes: 1 });
  });

  it('treats the F&O 500 "update conflict" like a 412', async () => {
    r = await rig({ conflictForm: 'fo-500' });
    r.sim.script({ method: 'PATCH', kind: 'writer', fields: { CustomerRequisitionNumber: 'REQ-9' } });
    r.enqueue('SO-000003', { DeliveryModeCode: '50' });
    expect((await r.drainer.drainUntilIdle()).done).toBe(1);
    expect(r.sim.requestLog.some((e) => e.method === 'PATCH' && e.status === 500)).toBe(true);
    expect(r.sim.order('USMF', 'SO-000003')!.DeliveryModeCode).toBe('50');
  });

  it('never turns changes to unrelated fields into conflicts', async () => {
    r = await rig({ writers: { onRequest: 0.4, sameFieldProbability: 0 } }, { batchSize: 1 });
    for (let i = 1; i <= 15; i++) r.enqueue(`SO-${String(i).padStart(6, '0')}`, { DeliveryModeCode: 'AIR' });
    const summary = await r.drainer.drainUntilIdle();
    expect(summary).toMatchObject({ done: 15, conflict: 0, failed: 0 });
    expect(r.sim.writeLog.filter((w) => w.by === 'writer').length).toBeGreaterThan(3);
    expect(r.sim.requestLog.some((e) => e.status === 412)).toBe(true);
  });

  it('surfaces a change to the same field as a true conflict with base, ours and theirs', async () => {
    r = await rig();
    const before = r.sim.order('USMF', 'SO-000004')!.DeliveryModeCode;
    const id = r.enqueue('SO-000004', { DeliveryModeCode: 'OURS' }, { DeliveryModeCode: before ?? null });
    r.sim.writeAsOtherUser('USMF', 'SO-000004', { DeliveryModeCode: 'THEIRS' });
    const conflict = nextEvent(r, (e) => e.type === 'conflict');
    const summary = await r.drainer.drainUntilIdle();
    expect(summary.conflict).toBe(1);
    expect(await conflict).toMatchObject({ id, fields: [{ field: 'DeliveryModeCode', base: before, ours: 'OURS', theirs: 'THEIRS' }] });
    expect(patches(r)).toHaveLength(0);
    expect(r.outbox.get(id)!.state).toBe('conflict');
    expect(r.sim.order('USMF', 'SO-000004')!.DeliveryModeCode).toBe('THEIRS');
  });

  it('detects a same-field change between GET and PATCH as a conflict on re-read', async () => {
    r = await rig();
    const id = r.enqueue('SO-000005', { DeliveryModeCode: 'OURS' });
    r.sim.script({ method: 'PATCH', kind: 'writer', fields: { DeliveryModeCode: 'THEIRS' } });
    expect((await r.drainer.drainUntilIdle()).conflict).toBe(1);
    expect(r.sim.order('USMF', 'SO-000005')!.DeliveryModeCode).toBe('THEIRS');
    expect(r.outbox.get(id)!.state).toBe('conflict');
  });

  it('keep-mine re-applies our value over theirs with a fresh ETag', async () => {
    r = await rig();
    const id = r.enqueue('SO-000006', { DeliveryModeCode: 'OURS' }, { DeliveryModeCode: '10' });
    r.sim.writeAsOtherUser('USMF', 'SO-000006', { DeliveryModeCode: 'THEIRS' });
    await r.drainer.drainUntilIdle();
    r.outbox.resolve(id, { action: 'keep-mine' }, 'tester');
    expect((await r.drainer.drainUntilIdle()).done).toBe(1);
    expect(r.sim.order('USMF', 'SO-000006')!.DeliveryModeCode).toBe('OURS');
  });

  it('per-field policy "theirs" settles the conflict without a person and logs it', async () => {
    r = await rig({}, { fieldPolicy: { DeliveryModeCode: 'theirs' } });
    const id = r.enqueue('SO-000007', { DeliveryModeCode: 'OURS', SalesOrderName: 'renamed' }, { DeliveryModeCode: '10' });
    r.sim.writeAsOtherUser('USMF', 'SO-000007', { DeliveryModeCode: 'THEIRS' });
    expect((await r.drainer.drainUntilIdle()).done).toBe(1);
    expect(r.sim.order('USMF', 'SO-000007')).toMatchObject({ DeliveryModeCode: 'THEIRS', SalesOrderName: 'renamed' });
    const logged = r.outbox.db.prepare('SELECT field, resolution FROM conflicts WHERE update_id = ?').all(id);
    expect(logged).toEqual([{ field: 'DeliveryModeCode', resolution: 'policy-theirs' }]);
  });

  it('detects an update that is already applied and sends no PATCH', async () => {
    r = await rig();
    r.sim.seedOrder('USMF', 'SO-APPLIED', { DeliveryModeCode: 'SAME' });
    const id = r.enqueue('SO-APPLIED', { DeliveryModeCode: 'SAME' });
    expect((await r.drainer.drainUntilIdle()).done).toBe(1);
    expect(patches(r)).toHaveLength(0);
    expect(r.outbox.history(id).find((h) => h.kind === 'done')!.detail).toMatchObject({ alreadyApplied: true });
  });

  it('honours Retry-After in seconds: no request before it runs out, the whole drain waits', async () => {
    const f = await onFakeClock({ batchSize: 1 });
    f.rig.sim.script({ method: 'GET', kind: 'throttle', retryAfter: 3 });
    f.rig.enqueue('SO-000008', { DeliveryModeCode: '70' });
    f.rig.enqueue('SO-000009', { DeliveryModeCode: '70' });
    const paused = nextEvent(f.rig, (e) => e.type === 'paused' && e.reason === 'throttled');
    const drain = f.drainer.drainUntilIdle();
    expect(await f.clock.drive(drain)).toBe(true);
    expect((await drain).done).toBe(2);
    expect(await paused).toMatchObject({ until: expect.any(Number), message: expect.stringContaining('asked to wait 3 s') });
    // the simulator logs on the same clock: nothing reached it until the 3 s were over
    const log = f.rig.sim.requestLog.filter((e) => e.path.startsWith('/data'));
    const throttled = log.findIndex((e) => e.status === 429);
    expect(throttled).toBeGreaterThanOrEqual(0);
    const next = log[throttled + 1]!;
    expect(next.at - log[throttled]!.at).toBeGreaterThanOrEqual(3000);
    expect(f.clock.slept).toContain(3000);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const f = await onFakeClock();
    const until = new Date(Math.ceil((f.clock.now() + 2500) / 1000) * 1000);
    f.rig.sim.script({ method: 'PATCH', kind: 'throttle', retryAfter: until });
    f.rig.enqueue('SO-000010', { DeliveryModeCode: '80' });
    const drain = f.drainer.drainUntilIdle();
    expect(await f.clock.drive(drain)).toBe(true);
    expect((await drain).done).toBe(1);
    const log = f.rig.sim.requestLog.filter((e) => e.path.startsWith('/data'));
    const throttled = log.findIndex((e) => e.status === 429);
    expect(throttled).toBeGreaterThanOrEqual(0);
    expect(log[throttled + 1]!.at).toBeGreaterThanOrEqual(until.getTime());
  });

  it('refreshes the token once on a 401 and carries on', async () => {
    r = await rig();
    r.enqueue('SO-000011', { DeliveryModeCode: '11' });
    await r.drainer.drainUntilIdle();
    r.sim.revokeTokens();
    r.enqueue('SO-000012', { DeliveryModeCode: '12' });
    expect((await r.drainer.drainUntilIdle()).done).toBe(1);
    const tokenCalls = r.sim.requestLog.filter((e) => e.path.includes('/oauth2/v2.0/token'));
    expect(tokenCalls).toHaveLength(2);
    expect(r.sim.requestLog.filter((e) => e.status === 401)).toHaveLength(1);
  });

  it('pauses for credentials when the token endpoint refuses the secret, losing nothing', async () => {
    r = await rig({}, {}, PROFILES.fo, 'wrong-secret');
    const id = r.enqueue('SO-000013', { DeliveryModeCode: '13' });
    const summary = await r.drainer.drainUntilIdle();
    expect(summary.stoppedBecause).toBe('credentials');
    expect(r.drainer.status().paused).toMatchObject({ reason: 'credentials', message: expect.stringContaining('AADSTS7000215') });
    expect(r.drainer.status().paused!.message).not.toContain('wrong-secret');
    expect(r.outbox.get(id)!.state).toBe('pending');
  });

  it('goes offline, probes, and resumes by itself when D365 returns', async () => {
    r = await rig();
    await r.sim.setOffline(true);
    const id = r.enqueue('SO-000014', { DeliveryModeCode: '14' });
    r.drainer.start();
    const paused = await nextEvent(r, (e) => e.type === 'paused');
    expect(paused).toMatchObject({ reason: 'offline', message: expect.stringContaining('not reachable') });
    expect(r.outbox.get(id)!.state).toBe('pending');
    await r.sim.setOffline(false);
    await nextEvent(r, (e) => e.type === 'resumed');
    await nextEvent(r, (e) => e.type === 'done' && e.id === id);
    expect(r.sim.order('USMF', 'SO-000014')!.DeliveryModeCode).toBe('14');
  });

  it('fails a 400 with D365\'s own message', async () => {
    r = await rig();
    r.sim.seedOrder('USMF', 'SO-INV', { SalesOrderStatus: 'Invoiced' });
    const id = r.enqueue('SO-INV', { SalesOrderStatus: 'Backorder' });
    const summary = await r.drainer.drainUntilIdle();
    expect(summary.failed).toBe(1);
    const u = r.outbox.get(id)!;
    expect(u.state).toBe('failed');
    expect(u.lastError!.code).toBe('VALIDATION');
    expect(u.lastError!.message).toMatch(/Invoiced/);
  });

  it('fails an unknown order as not found', async () => {
    r = await rig();
    const id = r.enqueue('NO-SUCH-ORDER', { DeliveryModeCode: '1' });
    expect((await r.drainer.drainUntilIdle()).failed).toBe(1);
    expect(r.outbox.get(id)!.lastError!.code).toBe('NOT_FOUND');
  });

  it('treats an HTML page and truncated JSON as server trouble with context, then recovers', async () => {
    r = await rig();
    r.sim.script({ method: 'GET', kind: 'html', status: 502 }, { method: 'GET', kind: 'garbage' });
    const id = r.enqueue('SO-000015', { DeliveryModeCode: '15' });
    const pauses: string[] = [];
    r.events.subscribe((e) => {
      if (e.type === 'paused') pauses.push(e.message);
    });
    expect((await r.drainer.drainUntilIdle()).done).toBe(1);
    expect(pauses[0]).toMatch(/HTML page/);
    expect(r.outbox.history(id).some((h) => h.kind === 'deferred' && /HTML|JSON/.test(String(h.detail?.message)))).toBe(true);
  });

  it('refuses an answer without an ETag instead of writing blind', async () => {
    r = await rig();
    r.sim.script({ method: 'GET', kind: 'missing-etag' });
    const id = r.enqueue('SO-000016', { DeliveryModeCode: '16' });
    expect((await r.drainer.drainUntilIdle()).done).toBe(1);
    expect(r.outbox.history(id).some((h) => /ETag/.test(String(h.detail?.message)))).toBe(true);
    expect(patches(r)).toHaveLength(1);
  });

  it('re-checks an update left "sending" by a crash: applied → done, not applied → sent', async () => {
    r = await rig();
    const applied = r.enqueue('SO-000017', { DeliveryModeCode: 'A' });
    const notApplied = r.enqueue('SO-000018', { DeliveryModeCode: 'B' });
    r.outbox.claim(applied, { DeliveryModeCode: '10' });
    r.outbox.claim(notApplied, { DeliveryModeCode: '10' });
    // The PATCH of the first landed before the crash; the second never left.
    r.sim.writeAsOtherUser('USMF', 'SO-000017', { DeliveryModeCode: 'A' });
    const file = r.outbox.file;
    r.outbox.close();
    const reopened = Outbox.open(file);
    expect(reopened.counts().sending).toBe(2);
    reopened.close();
    // The rig's drainer holds the old handle; a fresh rig-like drain on the same file:
    const { Drainer } = await import('../../../core/engine/drainer.ts');
    const { EventBus } = await import('../../../core/events.ts');
    const { Metrics } = await import('../../../core/metrics.ts');
    const outbox = Outbox.open(file);
    try {
      const drainer = new Drainer(outbox, r.client, new EventBus(), new Metrics(outbox.db), { pollMs: 20 });
      expect((await drainer.drainUntilIdle()).done).toBe(2);
      expect(outbox.history(applied).find((h) => h.kind === 'done')!.detail).toMatchObject({ alreadyApplied: true });
      expect(outbox.history(applied).map((h) => h.kind)).toContain('recheck');
      expect(r.sim.order('USMF', 'SO-000018')!.DeliveryModeCode).toBe('B');
      expect(r.sim.writeLog.filter((w) => w.by === 'client').map((w) => w.orderNumber)).toEqual(['SO-000018']);
    } finally {
      outbox.close();
    }
  });

  it('after a crash, does not re-apply over a newer value someone wrote since', async () => {
    r = await rig();
    const id = r.enqueue('SO-000019', { DeliveryModeCode: 'OURS' });
    r.outbox.claim(id, { DeliveryModeCode: '10' });
    r.sim.writeAsOtherUser('USMF', 'SO-000019', { DeliveryModeCode: 'OURS' });
    r.sim.writeAsOtherUser('USMF', 'SO-000019', { DeliveryModeCode: 'NEWER' });
    r.outbox.recoverInterrupted();
    expect((await r.drainer.drainUntilIdle()).conflict).toBe(1);
    expect(r.sim.order('USMF', 'SO-000019')!.DeliveryModeCode).toBe('NEWER');
  });

  it('keeps one order\'s updates in queue order and coalesces pending ones into one PATCH', async () => {
    r = await rig();
    r.enqueue('SO-000020', { DeliveryModeCode: 'first' });
    r.enqueue('SO-000020', { DeliveryModeCode: 'second', SalesOrderName: 'n' });
    expect((await r.drainer.drainUntilIdle()).done).toBe(1);
    expect(patches(r)).toHaveLength(1);
    expect(r.sim.order('USMF', 'SO-000020')).toMatchObject({ DeliveryModeCode: 'second', SalesOrderName: 'n' });
  });

  it('speaks Business Central: filter by number, 409 conflicts, 200 with the entity', async () => {
    r = await rig({}, {}, PROFILES.bc);
    const company = r.sim.bcCompanyId('USMF');
    r.sim.script({ method: 'PATCH', kind: 'writer', fields: { externalDocumentNumber: 'EXT-1' } });
    const id = r.enqueue('SO-000001', { requestedDeliveryDate: '2027-02-01' }, null, company);
    const summary = await r.drainer.drainUntilIdle();
    expect(summary.done).toBe(1);
    expect(r.sim.requestLog.some((e) => e.method === 'PATCH' && e.status === 409)).toBe(true);
    expect(r.sim.bcOrder('USMF', 'SO-000001')!.requestedDeliveryDate).toBe('2027-02-01');
    expect(r.outbox.history(id).find((h) => h.kind === 'done')!.detail!.etagAfter).toMatch(/^W\//);
  });

  it('drains 500 updates under background writers on unrelated fields: all applied, no conflicts', async () => {
    r = await rig({ orders: 500, writers: { onRequest: 0.15, perSecond: 20, sameFieldProbability: 0 } }, { retry: { retryLimit: 6, backoffMs: [5, 10, 20], jitter: 0.25 } });
    const ids: number[] = [];
    r.outbox.transaction(() => {
      for (let i = 1; i <= 500; i++) ids.push(r!.enqueue(`SO-${String(i).padStart(6, '0')}`, { DeliveryModeCode: `M${i}` }));
    });
    const summary = await r.drainer.drainUntilIdle();
    expect(summary).toMatchObject({ done: 500, conflict: 0, failed: 0 });
    expect(r.outbox.counts()).toMatchObject({ done: 500, pending: 0, conflict: 0, failed: 0 });
    for (let i = 1; i <= 500; i++) expect(r.sim.order('USMF', `SO-${String(i).padStart(6, '0')}`)!.DeliveryModeCode).toBe(`M${i}`);
    expect(r.sim.writeLog.filter((w) => w.by === 'writer').length).toBeGreaterThan(50);
  }, 60_000);

  it('lets one drainer send an outbox at a time; a stale lock note naming a live (reused) PID means nothing', async () => {
    r = await rig();
    r.enqueue('SO-000001', { DeliveryModeCode: 'L' });
    const fs = await import('node:fs');
    const os = await import('node:os');
    const { Drainer } = await import('../../../core/engine/drainer.ts');
    const { EventBus } = await import('../../../core/events.ts');
    const { Metrics } = await import('../../../core/metrics.ts');
    // After a reboot PID 1 is alive again: neither the old lock file nor an old note may block.
    for (const f of [`${r.outbox.file}.drain-lock`, `${r.outbox.file}.drainer.json`]) fs.writeFileSync(f, JSON.stringify({ pid: 1, host: os.hostname(), since: 'before the reboot' }));
    r.drainer.start();
    await nextEvent(r, (e) => e.type === 'done');
    const second = Outbox.open(r.outbox.file);
    try {
      const other = new Drainer(second, r.client, new EventBus(), new Metrics(second.db));
      expect(await other.drainUntilIdle()).toMatchObject({ stoppedBecause: 'storage' });
      expect(other.status().paused?.message).toMatch(new RegExp(`Another Outbox Agent \\(pid ${process.pid} on `));
    } finally {
      second.close();
    }
  });

  it('pauses for storage when the outbox disk is full, loses nothing, and resumes when space returns', async () => {
    r = await rig();
    const id = r.enqueue('SO-000002', { DeliveryModeCode: 'FULL' });
    const pages = r.outbox.db.pragma('page_count', { simple: true }) as number;
    r.outbox.db.pragma(`max_page_count = ${pages}`);
    // Fill every page's free space so the next history event has nowhere to go.
    const ballast = r.outbox.db.prepare(`INSERT INTO update_events (update_id, at, kind, detail) VALUES (?, 0, 'note', ?)`);
    for (const size of [2000, 200, 20, 1]) {
      try {
        for (let i = 0; i < 100_000; i++) ballast.run(id, 'x'.repeat(size));
      } catch (e) {
        expect((e as { code?: string }).code).toBe('SQLITE_FULL');
      }
    }
    r.drainer.start();
    const paused = await nextEvent(r, (e) => e.type === 'paused' && e.reason === 'storage');
    expect(paused).toMatchObject({ message: expect.stringMatching(/disk .* is full/) });
    expect(r.outbox.get(id)!.state).not.toBe('done');
    r.outbox.db.pragma('max_page_count = 1073741823');
    await nextEvent(r, (e) => e.type === 'done' && e.id === id, 15_000);
    expect(r.sim.order('USMF', 'SO-000002')!.DeliveryModeCode).toBe('FULL');
  });

  it('adapts: at an hour with many concurrency errors it is more patient before giving up', async () => {
    const stubborn = (x: Rig) => {
      for (let i = 0; i < 5; i++) x.sim.script({ method: 'PATCH', kind: 'writer', fields: { SalesOrderName: `busy ${i}` } });
    };
    // A quiet hour: 5 lost races in a row exceed the limit of 3; the update waits for a later pass.
    const quiet = await onFakeClock({ batchSize: 1, gaveUpDelayMs: 60_000 });
    stubborn(quiet.rig);
    const id = quiet.rig.enqueue('SO-000003', { DeliveryModeCode: 'Q' });
    const waiting = quiet.drainer.drainUntilIdle();
    // the drain is asleep until the next pass, a minute away: it did not finish
    expect(await quiet.clock.drive(waiting, { stopAtWaitMs: 60_000 })).toBe(false);
    expect(quiet.rig.outbox.get(id)!.state).toBe('pending');
    expect(quiet.rig.outbox.get(id)!.lastError!.message).toMatch(/after 4 tries/);
    expect(quiet.rig.outbox.get(id)!.nextAttemptAt).toBe(quiet.clock.now() + 60_000);
    await quiet.drainer.stop();
    await waiting;
    await closeRig();
    // A busy hour (half the requests lost the race): the limit grows and the same update goes through.
    const busy = await onFakeClock({ batchSize: 1, gaveUpDelayMs: 60_000 });
    const hourStart = Math.floor(busy.clock.now() / 3_600_000) * 3_600_000;
    busy.rig.outbox.db.prepare('INSERT INTO metrics_by_hour (hour_start, requests, concurrency_errors) VALUES (?, 100, 50)').run(hourStart);
    expect(busy.metrics.rateThisHour()).toBe(0.5);
    stubborn(busy.rig);
    const again = busy.rig.enqueue('SO-000003', { DeliveryModeCode: 'B' });
    const drain = busy.drainer.drainUntilIdle();
    expect(await busy.clock.drive(drain)).toBe(true);
    expect((await drain).done).toBe(1);
    expect(busy.rig.outbox.history(again).filter((h) => h.kind === 'retrying')).toHaveLength(5);
  });

  it('the hour that counts is the hour of day on the agent\'s clock, whenever the test runs', async () => {
    for (const hour of [0, 9, 23]) {
      const f = await onFakeClock({}, Date.UTC(2026, 10, 22, hour, 10));
      const start = Math.floor(f.clock.now() / 3_600_000) * 3_600_000;
      // the same hour a day earlier counts; the hour before does not
      f.rig.outbox.db.prepare('INSERT INTO metrics_by_hour (hour_start, requests, concurrency_errors) VALUES (?, 40, 10), (?, 40, 40)').run(start - 24 * 3_600_000, start - 3_600_000);
      expect(f.metrics.rateThisHour()).toBe(0.25);
      await closeRig();
    }
  });
});
