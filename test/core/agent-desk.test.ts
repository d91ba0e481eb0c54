/**
 * The agent's contract for the desk's journeys (issue 13), in-process against a simulator
 * configured as a real D365 connection: a failed update is not a dead end, many conflicts are
 * settled at once, scans read their base in one round trip, and CSV arrives as Excel writes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../core/agent.ts';
import type { AgentApi } from '../../core/api.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { Simulator } from '../../core/simulator/simulator.ts';

let dir: string;
let sim: Simulator;
let agent: Agent;
let api: AgentApi;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-desk-'));
  sim = await Simulator.start({ orders: 30 });
  agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'desk@test', drainer: { pollMs: 20 } });
  api = agent.api();
  await api.saveSettings({
    connection: { profile: 'fo', environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl },
    secret: 'sim-secret',
  });
});

afterEach(async () => {
  await agent.close();
  await sim.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a failed or cancelled update is not a dead end', () => {
  it('a refused update is edited and requeued, then goes through', async () => {
    // a valid status D365 refuses for this order (it is invoiced): only the send finds out
    sim.seedOrder('USMF', 'SO-INVOICED', { SalesOrderStatus: 'Invoiced' });
    const { id } = await api.enqueue({ orderNumber: 'SO-INVOICED', fields: { SalesOrderStatus: 'Backorder' } });
    expect(await agent.drainUntilIdle()).toMatchObject({ failed: 1 });
    await expect(api.requeue({ id, fields: { 'Bad Name': 'x' } })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    // the desk learns it is invoiced and says so instead
    const requeued = await api.requeue({ id, fields: { SalesOrderStatus: 'Invoiced' } });
    expect(requeued).toMatchObject({ state: 'pending', fields: { SalesOrderStatus: 'Invoiced' }, lastError: null });
    expect(await agent.drainUntilIdle()).toMatchObject({ done: 1 });
    expect((await api.getUpdate({ id })).update.state).toBe('done');
    expect((await api.getUpdate({ id })).history.map((h) => h.kind)).toEqual(expect.arrayContaining(['failed', 'requeued', 'done']));
  });

  it('a cancel is undone back to what it was: held stays held, pending is sent', async () => {
    const a = await api.enqueue({ orderNumber: 'SO-000001', fields: { DeliveryModeCode: 'A' } });
    const b = await api.enqueue({ orderNumber: 'SO-000002', fields: { DeliveryModeCode: 'B' } });
    await api.pauseDrain();
    await api.hold({ id: b.id });
    await api.cancel({ id: a.id });
    await api.cancel({ id: b.id });
    expect((await api.undoCancel({ id: a.id })).state).toBe('pending');
    expect((await api.undoCancel({ id: b.id })).state).toBe('held');
    await expect(api.undoCancel({ id: a.id })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await api.resumeDrain();
    expect(await agent.drainUntilIdle()).toMatchObject({ done: 1 });
    expect(sim.order('USMF', 'SO-000001')!.DeliveryModeCode).toBe('A');
  });
});

describe('many conflicts at once', () => {
  it('keep-mine for a selection of 20, in one call', async () => {
    const ids: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const orderNumber = `SO-${String(i).padStart(6, '0')}`;
      const before = String(sim.order('USMF', orderNumber)!.DeliveryModeCode);
      ids.push((await api.enqueue({ orderNumber, fields: { DeliveryModeCode: 'OURS' }, base: { DeliveryModeCode: before } })).id);
      sim.writeAsOtherUser('USMF', orderNumber, { DeliveryModeCode: `THEIRS${i}` });
    }
    expect(await agent.drainUntilIdle()).toMatchObject({ conflict: 20 });
    const r = await api.resolveConflicts({ ids: [...ids, 999], resolution: { action: 'keep-mine' } });
    expect(r.resolved).toHaveLength(20);
    expect(r.failed).toEqual([{ id: 999, code: 'NOT_FOUND', message: 'No update with id 999' }]);
    expect(await agent.drainUntilIdle()).toMatchObject({ done: 20 });
    for (let i = 1; i <= 20; i++) expect(sim.order('USMF', `SO-${String(i).padStart(6, '0')}`)!.DeliveryModeCode).toBe('OURS');
  });
});

describe('bases read at queue time', () => {
  it('lookupOrders reads many orders in one $batch round trip, naming the ones D365 does not have', async () => {
    const before = sim.requestLog.length;
    const r = await api.lookupOrders({ orderNumbers: ['SO-000003', 'SO-NOPE', 'SO-000004'], fields: ['DeliveryModeCode'] });
    if (!r.online) throw new Error(r.message);
    expect(r.orders[0]).toMatchObject({ orderNumber: 'SO-000003', values: { DeliveryModeCode: sim.order('USMF', 'SO-000003')!.DeliveryModeCode } });
    expect(r.orders[1]).toMatchObject({ orderNumber: 'SO-NOPE', error: { code: 'NOT_FOUND' } });
    expect(r.orders[2]).toMatchObject({ orderNumber: 'SO-000004' });
    const data = sim.requestLog.slice(before).filter((e) => !e.path.includes('oauth2') && !e.path.endsWith('$metadata'));
    expect(data.map((e) => `${e.method} ${e.path}`)).toEqual(['POST /data/$batch']);
  });

  it('a CSV imported with the current values as base turns a later change by someone else into a conflict', async () => {
    await api.pauseDrain();
    const r = await api.importCsv({ csv: 'order,DeliveryModeCode\nSO-000005,AIR\nSO-000006,AIR\n', base: 'current' });
    expect(r.queued).toBe(2);
    sim.writeAsOtherUser('USMF', 'SO-000005', { DeliveryModeCode: 'SOMEONE' });
    await api.resumeDrain();
    expect(await agent.drainUntilIdle()).toMatchObject({ done: 1, conflict: 1 });
    expect(sim.order('USMF', 'SO-000005')!.DeliveryModeCode).toBe('SOMEONE');
  });
});

describe('CSV the way Excel writes it', () => {
  it('semicolons and Windows-1252 are found, shown in the preview and imported right', async () => {
    const text = 'order;DeliveryAddressName\r\nSO-000007;Café Müller\r\nSO-000008;Øresund 12\r\n';
    const data = Buffer.from(new Uint8Array([...text].map((c) => c.charCodeAt(0)))).toString('base64');
    const preview = await api.previewImport({ data });
    expect(preview).toMatchObject({ rows: 2, problems: [], encoding: 'windows-1252', delimiter: ';' });
    expect(preview.sample[0]!.fields).toEqual({ DeliveryAddressName: 'Café Müller' });
    await api.importCsv({ data });
    expect(await agent.drainUntilIdle()).toMatchObject({ done: 2 });
    expect(sim.order('USMF', 'SO-000008')!.DeliveryAddressName).toBe('Øresund 12');
  });

  it('a UTF-8 file chosen as UTF-8 with a bad byte is refused naming the line; nothing queued', async () => {
    const data = Buffer.concat([Buffer.from('order,DeliveryAddressName\nSO-000009,ok\nSO-000010,caf'), Buffer.from([0xe9]), Buffer.from('\n')]).toString('base64');
    await expect(api.importCsv({ data, encoding: 'utf-8' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^line 3: the file is not valid UTF-8/) });
    expect((await api.status()).counts.pending).toBe(0);
  });
});

describe('a failed update can be cancelled, and the cancel undone', () => {
  it('cancel keeps the row; undo brings back the failure with its reason; only real failures need a look', async () => {
    const { id } = await api.enqueue({ orderNumber: 'SO-NOPE', fields: { DeliveryModeCode: 'X' } });
    expect(await agent.drainUntilIdle()).toMatchObject({ failed: 1 });
    expect((await api.status()).failedNeedingLook).toBe(1);
    const reason = (await api.getUpdate({ id })).update.lastError!;
    expect((await api.cancel({ id })).lastError?.code).toBe('CANCELLED');
    expect((await api.status()).failedNeedingLook).toBe(0);
    const back = await api.undoCancel({ id });
    expect(back).toMatchObject({ state: 'failed', lastError: reason });
    expect((await api.status()).failedNeedingLook).toBe(1);
  });
});

describe('Try now', () => {
  it('skips the wait: what an outage deferred is sent at once when D365 is back', async () => {
    await api.enqueue({ orderNumber: 'SO-000012', fields: { DeliveryModeCode: 'NOW' } });
    await sim.setOffline(true);
    agent.start();
    while (!(await api.status()).drain.paused) await new Promise((r) => setTimeout(r, 20));
    await sim.setOffline(false);
    await api.drainNow();
    const started = Date.now();
    while ((await api.status()).counts.done < 1) {
      // the probe would wait about a second (0.8–1.2 s): Try now does not
      if (Date.now() - started > 700) throw new Error('not sent within 0.7 s of Try now');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sim.order('USMF', 'SO-000012')!.DeliveryModeCode).toBe('NOW');
  });
});
