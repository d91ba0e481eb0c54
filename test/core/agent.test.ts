import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, demoFolder, errorData } from '../../core/agent.ts';
import { D365Error } from '../../core/d365/errors.ts';
import { OutboxError } from '../../core/errors.ts';
import { databaseFile } from '../../core/paths.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { tempDir } from './outbox/fixtures.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function agent(dataDir = tempDir(), more: Partial<Parameters<typeof Agent.open>[0]> = {}): Promise<Agent> {
  const a = await Agent.open({ dataDir, secrets: new MemorySecretStore(), queuedBy: 'desk@test', ...more });
  open.push(a);
  return a;
}

describe('Agent.invoke: the one door for every transport', () => {
  it('an unknown method is BAD_INPUT as data, naming it (cut short), never a thrown error', async () => {
    const a = await agent();
    for (const method of ['dropDatabase', 'toString', '__proto__', 'constructor', 42, null]) {
      const r = await a.invoke(method, {});
      expect(r, String(method)).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: `unknown method ${JSON.stringify(String(method))}` } });
    }
    const long = await a.invoke('x'.repeat(1000), {});
    expect(!long.ok && long.error.message.length).toBeLessThanOrEqual(100);
  });

  it('bad arguments are BAD_INPUT as data, naming the method and where; nothing reaches the outbox', async () => {
    const a = await agent();
    expect(await a.invoke('getUpdate', { id: '1' })).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(/^getUpdate: invalid argument at id: /) } });
    expect(await a.invoke('enqueue', { orderNumber: 'SO-1', fields: {} })).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: 'order "SO-1" (company "USMF") changes no field' } });
    expect(await a.invoke('enqueue', null)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect((await a.api().status()).counts.pending).toBe(0);
  });

  it('what a handler refuses comes back as data with its stable code', async () => {
    const a = await agent();
    expect(await a.invoke('getUpdate', { id: 99 })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'No update with id 99' } });
    const { value } = (await a.invoke('enqueue', { orderNumber: 'SO-1', fields: { DeliveryModeCode: '10' } })) as { value: { id: number } };
    await a.invoke('hold', { id: value.id });
    expect(await a.invoke('hold', { id: value.id })).toEqual({ ok: false, error: { code: 'INVALID_STATE', message: `Update ${value.id} is held; this needs it to be pending` } });
    expect(await a.invoke('startDemo', {})).toMatchObject({ ok: false, error: { code: 'INVALID_STATE', message: expect.stringContaining('outbox demo') } });
    expect(await a.invoke('exportConflicts', { format: 'csv', since: '2026-02-30' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringContaining('"2026-02-30"') } });
  });

  it('a value comes back as data too, the same as the in-process contract returns it', async () => {
    const a = await agent();
    const r = await a.invoke('status', undefined);
    expect(r.ok).toBe(true);
    expect(r.ok && r.value).toEqual(await a.api().status());
  });

  it('errorData: any error as { code, message }, never a stack', () => {
    expect(errorData(new OutboxError('DB_FULL', 'disk full'))).toEqual({ code: 'DB_FULL', message: 'disk full' });
    expect(errorData(new D365Error('THROTTLED', 'slow down'))).toEqual({ code: 'THROTTLED', message: 'slow down' });
    expect(errorData(new TypeError('The database connection is not open'))).toEqual({ code: 'INTERNAL', message: 'The database connection is not open' });
    expect(errorData('plain text')).toEqual({ code: 'INTERNAL', message: 'plain text' });
    expect(JSON.stringify(errorData(new Error('x')))).not.toContain('at ');
  });
});

describe('an agent without a connection holds the queue and says so', () => {
  it('status, the enqueue note and lookups all say nothing is sent and what to do', async () => {
    const a = await agent();
    const api = a.api();
    const queued = await api.enqueue({ orderNumber: 'SO-1', fields: { DeliveryModeCode: '10' } });
    expect(queued.note).toMatch(/^Not checked yet: /);
    const status = await api.status();
    expect(status).toMatchObject({ mode: 'not-connected', target: '', company: 'USMF', counts: { pending: 1 } });
    expect(status.connection).toBe('Not connected to D365: 1 update waiting. Run `outbox connect …` or open Settings.');
    expect(await api.lookupOrder({ orderNumber: 'SO-1', fields: ['DeliveryModeCode'] })).toEqual({ online: false, message: 'Not connected to D365; the update will be queued without a base.' });
    expect(await api.testConnection()).toEqual({ ok: false, message: expect.stringMatching(/^No D365 connection is configured/) });
    expect(await a.drainUntilIdle()).toMatchObject({ stoppedBecause: 'not-connected' });
  });

  it('the default company is the option given, else the saved preference', async () => {
    const a = await agent(tempDir(), { defaultCompany: 'DEMF' });
    expect((await a.api().status()).company).toBe('DEMF');
    const b = await agent();
    await b.api().saveSettings({ preferences: { defaultCompany: 'GBSI' } });
    const { id } = await b.api().enqueue({ orderNumber: 'SO-1', fields: { A: 1 } });
    expect((await b.api().getUpdate({ id })).update.company).toBe('GBSI');
  });

  it('connect: false reads nothing from the keychain', async () => {
    let reads = 0;
    const secrets = new MemorySecretStore();
    secrets.get = async () => (reads++, null);
    const a = await agent(tempDir(), { secrets, connect: false });
    await a.api().status();
    expect(reads).toBe(0);
  });
});

describe('a folder holds a demo outbox or a real one', () => {
  it('a real agent refuses a demo folder, and the demo refuses a folder with a real queue', async () => {
    const dir = tempDir();
    const demo = await agent(demoFolder(dir), { demo: { orders: 1 } });
    expect(demo.simulator).not.toBeNull();
    await demo.close();
    await expect(Agent.open({ dataDir: demoFolder(dir), secrets: new MemorySecretStore(), queuedBy: 't' })).rejects.toThrow(/is a demo outbox; the real outbox lives in the folder above it/);

    const real = await agent(dir);
    await real.api().enqueue({ orderNumber: 'SO-1', fields: { A: 1 } });
    await real.close();
    await expect(Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 't', demo: true })).rejects.toThrow(/holds a real queue; the demo never uses it\. Its own folder is .*demo/);
    // refused without touching it
    expect(fs.existsSync(databaseFile(dir))).toBe(true);
    expect(path.basename(demoFolder(dir))).toBe('demo');
  });

  it('in the demo, the connection cannot be changed: it is the embedded simulator', async () => {
    const a = await agent(tempDir(), { demo: { orders: 1 } });
    const r = await a.invoke('saveSettings', { connection: { profile: 'fo', environmentUrl: 'https://contoso.operations.dynamics.com', tenant: 't', clientId: 'c' }, secret: 's' });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_STATE', message: expect.stringContaining('This is the demo') } });
    expect((await a.api().status()).mode).toBe('demo');
  });
});

describe('with a connection', () => {
  it('an update goes to D365 and the events say so, in order', async () => {
    const sim = await Simulator.start({ orders: 3 });
    open.push({ close: () => sim.stop() });
    const a = await agent();
    await a.api().saveSettings({ connection: { profile: 'fo', environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl }, secret: 'sim-secret' });
    const seen: string[] = [];
    a.subscribe((e) => seen.push(e.type));
    const { id } = await a.api().enqueue({ orderNumber: 'SO-000002', fields: { DeliveryModeCode: '30' } });
    expect(await a.drainUntilIdle()).toMatchObject({ done: 1 });
    expect(sim.order('USMF', 'SO-000002')!.DeliveryModeCode).toBe('30');
    expect(seen.filter((t) => t !== 'progress')).toEqual(['queued', 'sending', 'done']);
    expect((await a.api().getUpdate({ id })).update.state).toBe('done');
    expect((await a.api().testConnection()).message).toMatch(/^Connected to http:\/\/127\.0\.0\.1:\d+: SalesOrderHeadersV2 has \d+ fields\.$/);
  });

  it('close() twice waits for the first and closes once', async () => {
    const a = await Agent.open({ dataDir: tempDir(), secrets: new MemorySecretStore(), queuedBy: 't' });
    await Promise.all([a.close(), a.close()]);
    await a.close();
  });
});
