/**
 * Issue 10 §3 and §5: every failure inside the drain becomes a pause with a reason, which ends
 * by itself (storage, outages) or on Resume; nothing waits for ever, loops hot or is stranded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../../core/paths.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { runCliProcess, startCli, waitFor } from '../support/cli-process.ts';
import { nextEvent, rig, type Rig } from '../core/engine/harness.ts';
import { checkUpdate } from '../../core/outbox/update-input.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { until } from './rig.ts';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

/** Fills every free byte of the outbox file, as a full disk would. Returns the undo. */
function fillDisk(x: Rig): () => void {
  const db = x.outbox.db;
  db.exec('CREATE TABLE IF NOT EXISTS ballast (x TEXT)');
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  const ballast = db.prepare('INSERT INTO ballast VALUES (?)');
  const untilFull = (write: (i: number) => void) => {
    try {
      for (let i = 1; i < 100_000; i++) write(i);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('SQLITE_FULL');
    }
  };
  for (const size of [2000, 200, 20, 1]) untilFull(() => ballast.run('x'.repeat(size)));
  // The free bytes left in the metrics table's own page too: hours of 1970.
  const oldHour = db.prepare('INSERT INTO metrics_by_hour (hour_start) VALUES (?)');
  untilFull((i) => oldHour.run(i * 3_600_000));
  return () => {
    db.pragma('max_page_count = 1073741823');
    db.exec('DELETE FROM ballast; DELETE FROM metrics_by_hour WHERE hour_start < 1000000000000');
  };
}

describe('the drain never dies', () => {
  it('a full disk while metrics are written pauses for storage, keeps the counts, and resumes by itself', async () => {
    r = await rig({}, { probeMinMs: 100, probeMaxMs: 300 });
    const first = r.enqueue('SO-000001', { DeliveryModeCode: 'ONE' });
    r.drainer.start();
    await nextEvent(r, (e) => e.type === 'done' && e.id === first);
    // The counts of that send are still in memory: the next flush meets a full disk.
    const free = fillDisk(r);
    const paused = await nextEvent(r, (e) => e.type === 'paused' && e.reason === 'storage', 10_000);
    expect(paused).toMatchObject({ message: expect.stringMatching(/The disk holding .* is full/) });
    expect(r.drainer.status().running).toBe(true);
    free();
    await nextEvent(r, (e) => e.type === 'resumed', 10_000);
    const second = r.enqueue('SO-000002', { DeliveryModeCode: 'TWO' });
    r.drainer.wake();
    await nextEvent(r, (e) => e.type === 'done' && e.id === second, 10_000);
    expect(r.metrics.snapshot().totals.successes).toBe(2);
  });

  it('an unexpected error stops sending with the reason; Resume starts it again', async () => {
    r = await rig();
    const readOrders = r.client.readOrders.bind(r.client);
    let broken = true;
    r.client.readOrders = async (...args) => {
      if (broken) throw new TypeError('something nobody foresaw');
      return readOrders(...args);
    };
    const id = r.enqueue('SO-000003', { DeliveryModeCode: 'X' });
    r.drainer.start();
    const paused = await nextEvent(r, (e) => e.type === 'paused' && e.reason === 'error');
    expect(paused).toMatchObject({ message: expect.stringMatching(/something nobody foresaw.*Press Resume/) });
    expect(r.outbox.get(id)!.state).toBe('pending');
    broken = false;
    r.drainer.resume();
    await nextEvent(r, (e) => e.type === 'done' && e.id === id);
    expect(r.sim.order('USMF', 'SO-000003')!.DeliveryModeCode).toBe('X');
  });

  it('a Retry-After of 30 days pauses for 30 days: no timer overflow, no busy loop', async () => {
    r = await rig({}, { longPauseMs: 60_000 });
    r.sim.script({ method: 'GET', kind: 'throttle', retryAfter: 30 * 24 * 3600 });
    r.enqueue('SO-000004', { DeliveryModeCode: 'LATER' });
    r.drainer.start();
    const paused = await nextEvent(r, (e) => e.type === 'paused' && e.reason === 'throttled');
    expect(paused).toMatchObject({ until: expect.any(Number) });
    if (paused.type === 'paused') expect(paused.until! - Date.now()).toBeGreaterThan(29 * 24 * 3600_000);
    // 30 days is longer than a person expects: the alert says when sending resumes.
    const alert = await nextEvent(r, (e) => e.type === 'long-pause');
    if (alert.type === 'long-pause') expect(alert.until).toBe(paused.type === 'paused' ? paused.until : -1);
    const requests = r.sim.requestLog.length;
    const cpu = process.cpuUsage();
    await new Promise((res) => setTimeout(res, 1000));
    const used = process.cpuUsage(cpu);
    expect(r.sim.requestLog.length).toBe(requests);
    expect((used.user + used.system) / 1000).toBeLessThan(300);
  });

  it('an update queued while the clock was 2 days ahead is due once the clock is right', async () => {
    r = await rig();
    const skewed = Outbox.open(r.outbox.file, { now: () => Date.now() + 2 * 24 * 3600_000 });
    const { id } = skewed.enqueue(checkUpdate({ company: 'USMF', orderNumber: 'SO-000005', fields: { DeliveryModeCode: 'SKEW' }, source: 'cli', queuedBy: 'wrong clock' }));
    skewed.close();
    expect(r.outbox.get(id)!.nextAttemptAt).toBeGreaterThan(Date.now() + 24 * 3600_000);
    const summary = await r.drainer.drainUntilIdle();
    expect(summary.done).toBe(1);
    expect(r.sim.order('USMF', 'SO-000005')!.DeliveryModeCode).toBe('SKEW');
  });

  it('an update that keeps losing the ETag race reaches a person after the configured passes', async () => {
    r = await rig({}, { batchSize: 1, raceLimit: 3, gaveUpDelayMs: 20, retryLimitMax: 3 });
    // Someone else writes the order before each of our PATCHes: 3 passes of 4 tries.
    for (let i = 0; i < 12; i++) r.sim.script({ method: 'PATCH', kind: 'writer', fields: { SalesOrderName: `busy ${i}` } });
    const id = r.enqueue('SO-000006', { DeliveryModeCode: 'RACE' });
    const summary = await r.drainer.drainUntilIdle();
    expect(summary).toMatchObject({ done: 0, failed: 1 });
    const u = r.outbox.get(id)!;
    expect(u.state).toBe('failed');
    expect(u.lastError).toMatchObject({ code: 'LOST_RACE', message: expect.stringMatching(/^Keeps losing the race: .* last 3 tries/) });
    expect(r.seen.some((e) => e.type === 'failed' && e.id === id && e.error.code === 'LOST_RACE')).toBe(true);
    expect(r.sim.pendingFaults).toBe(0);
    // A person retries when the order is quiet: it goes through.
    r.outbox.retry(id, 'desk');
    expect((await r.drainer.drainUntilIdle()).done).toBe(1);
    expect(r.sim.order('USMF', 'SO-000006')!.DeliveryModeCode).toBe('RACE');
  });

  it('an outage longer than the alert threshold raises one alert saying when the next try is', async () => {
    r = await rig({}, { longPauseMs: 400, probeMinMs: 100, probeMaxMs: 200 });
    r.enqueue('SO-000007', { DeliveryModeCode: 'OUT' });
    await r.sim.setOffline(true);
    r.drainer.start();
    await nextEvent(r, (e) => e.type === 'paused' && e.reason === 'offline');
    const alert = await nextEvent(r, (e) => e.type === 'long-pause', 5_000);
    expect(alert).toMatchObject({ reason: 'offline', until: expect.any(Number), since: expect.any(Number) });
    await new Promise((res) => setTimeout(res, 600));
    expect(r.seen.filter((e) => e.type === 'long-pause')).toHaveLength(1);
    await r.sim.setOffline(false);
    await until('the update to be sent once D365 is back', () => r!.outbox.counts().done === 1, 10_000);
  });

  it('outbox drain (no --until-idle) keeps running with nothing to do, and stops cleanly on SIGTERM', async () => {
    const sim = await Simulator.start({ orders: 5 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-forever-'));
    try {
      const env = { OUTBOX_DATA_DIR: dir, OUTBOX_CLIENT_SECRET: 'sim-secret' };
      expect((await runCliProcess(['connect', '--url', sim.url, '--tenant', 'sim-tenant', '--client-id', 'outbox-agent', '--authority', sim.authorityUrl], env)).code).toBe(0);
      // a lock note left before a reboot, naming a PID that is alive again, does not stop it
      fs.writeFileSync(`${databaseFile(dir)}.drainer.json`, JSON.stringify({ pid: 1, host: os.hostname(), since: 'before the reboot' }));
      const drain = startCli(['drain'], env);
      await new Promise((res) => setTimeout(res, 3000));
      expect((await runCliProcess(['enqueue', 'SO-000001', 'DeliveryModeCode=LATE'], env)).code).toBe(0);
      await waitFor('the update queued meanwhile to be sent', () => sim.order('USMF', 'SO-000001')!.DeliveryModeCode === 'LATE', 15_000);
      drain.kill('SIGTERM');
      const ended = await drain.done;
      expect(ended.code).toBe(0);
      expect(ended.stderr).not.toMatch(/unsettled top-level await|Another Outbox Agent/);
      expect(ended.stdout).toMatch(/done\s+#1 SO-000001/);
    } finally {
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
