import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { demoFolder } from '../../core/agent.ts';
import { DemoSwitch, type DemoSwitchOptions } from '../../core/demo.ts';
import type { StampedEvent } from '../../core/events.ts';
import { databaseFile } from '../../core/paths.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { tempDir } from './outbox/fixtures.ts';

const hosts: DemoSwitch[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
});

// no background writers or desk timer: the test decides what happens
const QUIET: Partial<DemoSwitchOptions> = { simulator: { latencyMs: 0, writers: { perSecond: 0, onRequest: 0 } }, deskEveryMs: 3_600_000 };

async function open(dataDir: string, o: Partial<DemoSwitchOptions> = {}): Promise<DemoSwitch> {
  const h = await DemoSwitch.open({ dataDir, secrets: new MemorySecretStore(), queuedBy: 'trainee', ...QUIET, ...o });
  hosts.push(h);
  return h;
}

/** Every row of the real outbox, read straight from its file. */
function realRows(dir: string): unknown {
  const db = new BetterSqlite3(databaseFile(dir), { readonly: true });
  try {
    return ['updates', 'update_events', 'conflicts', 'settings'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all());
  } finally {
    db.close();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('DemoSwitch', () => {
  it("'when-new': a fresh install opens in the demo; a folder with a queue or a connection opens real", async () => {
    const fresh = await open(tempDir(), { startInDemo: 'when-new' });
    expect((await fresh.api().status()).mode).toBe('demo');
    expect(fresh.simulator).not.toBeNull();

    const queued = tempDir();
    const first = await open(queued);
    await first.api().enqueue({ orderNumber: 'SO-1', fields: { DeliveryModeCode: '10' } });
    await first.close();
    hosts.splice(hosts.indexOf(first), 1);
    const again = await open(queued, { startInDemo: 'when-new' });
    expect((await again.api().status()).mode).toBe('not-connected');
    expect(again.simulator).toBeNull();

    const sim = await Simulator.start({ orders: 1 });
    try {
      const connected = tempDir();
      const secrets = new MemorySecretStore();
      const c = await open(connected, { secrets });
      await c.api().saveSettings({ connection: { profile: 'fo', environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl }, secret: 'sim-secret' });
      await c.close();
      hosts.splice(hosts.indexOf(c), 1);
      expect((await (await open(connected, { secrets, startInDemo: 'when-new' })).api().status()).mode).toBe('d365');
    } finally {
      await sim.stop();
    }
  });

  // "'when-new': only a fresh install (no connection, an empty queue)": a site set up for D365
  // whose keychain does not answer at start (locked, wiped) is not new, and must not open in the demo.
  it("'when-new': a saved connection whose secret is not found is not a fresh install", async () => {
    const dir = tempDir();
    const c = await open(dir);
    await c.api().saveSettings({ connection: { profile: 'fo', environmentUrl: 'https://contoso.operations.dynamics.com', tenant: 't', clientId: 'c' }, secret: 's' });
    await c.close();
    hosts.splice(hosts.indexOf(c), 1);
    const reopened = await open(dir, { secrets: new MemorySecretStore(), startInDemo: 'when-new' });
    expect((await reopened.api().status()).mode).toBe('not-connected');
  });

  it('the demo never touches the real outbox: its own folder, its own queue, sent to the simulator only', async () => {
    const dir = tempDir();
    const host = await open(dir);
    await host.api().enqueue({ orderNumber: 'SO-REAL', fields: { DeliveryModeCode: '10' } });
    const before = realRows(dir);
    await host.api().startDemo();
    const demo = await host.api().status();
    expect(demo.mode).toBe('demo');
    expect(demo.counts.pending).toBeGreaterThan(0); // the desk's first updates
    const { id } = await host.api().enqueue({ orderNumber: 'SO-000040', fields: { DeliveryModeCode: '40' } });
    expect(await host.drainUntilIdle()).toMatchObject({ failed: 0 });
    expect(host.simulator!.order('USMF', 'SO-000040')!.DeliveryModeCode).toBe('40');
    expect((await host.api().getUpdate({ id })).update.state).toBe('done');
    expect(realRows(dir)).toEqual(before);
    expect(fs.existsSync(databaseFile(demoFolder(dir)))).toBe(true);
    await host.api().leaveDemo();
    expect(await host.api().status()).toMatchObject({ mode: 'not-connected', counts: { pending: 1, done: 0 } });
    expect(host.simulator).toBeNull();
  });

  it("a switch tells listeners with a 'mode' event; they hear the shown agent only", async () => {
    const host = await open(tempDir());
    const seen: StampedEvent[] = [];
    host.subscribe((e) => seen.push(e));
    await host.api().startDemo();
    await settle();
    expect(seen.filter((e) => e.type === 'mode').map((e) => (e as { mode: string }).mode)).toEqual(['demo']);
    await host.api().leaveDemo();
    await settle();
    expect(seen.filter((e) => e.type === 'mode').map((e) => (e as { mode: string }).mode)).toEqual(['demo', 'not-connected']);
    const after = seen.length;
    await host.api().enqueue({ orderNumber: 'SO-1', fields: { DeliveryModeCode: '10' } });
    expect(seen.slice(after).map((e) => e.type)).toEqual(['queued']);
  });

  it('coming back to the demo does not pile up the desk\'s updates again', async () => {
    const host = await open(tempDir());
    await host.api().startDemo();
    const first = (await host.api().status()).counts;
    await host.api().leaveDemo();
    await host.api().startDemo();
    expect((await host.api().status()).counts).toEqual(first);
  });

  it('startDemo and leaveDemo check their arguments like every call, and are idempotent', async () => {
    const host = await open(tempDir());
    expect(await host.invoke('startDemo', { now: true })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect((await host.api().status()).mode).toBe('not-connected');
    expect((await host.api().leaveDemo()).mode).toBe('not-connected');
    await host.api().startDemo();
    expect((await host.api().startDemo()).mode).toBe('demo');
  });
});
