/**
 * Issue 10 §2: the simulator is never a fallback for a real queue. With no connection, or one
 * that cannot be used, nothing is sent, the queue is held, and every way in says so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../../core/paths.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { serve } from '../../main/server/serve.ts';
import { runCliProcess } from '../support/cli-process.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-nofallback-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function stubUi(): string {
  const ui = tempDir();
  fs.writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>Outbox Agent</title>');
  return ui;
}

const NOT_CONNECTED = /Not connected to D365: (\d+) updates? waiting\. Run `outbox connect …` or open Settings\./;

async function importRows(env: NodeJS.ProcessEnv, n: number): Promise<void> {
  const csv = 'order,DeliveryModeCode\n' + Array.from({ length: n }, (_, i) => `SO-${String(i + 1).padStart(6, '0')},AIR`).join('\n') + '\n';
  const r = await runCliProcess(['import', '-'], env, csv);
  expect(r.code, r.stderr).toBe(0);
}

/** Writes a stored connection as it would be after a bad edit or an older, looser version. */
function storeConnection(dir: string, value: string): void {
  const db = new BetterSqlite3(databaseFile(dir));
  db.prepare(`INSERT INTO settings (key, value) VALUES ('connection', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(value);
  db.close();
}

describe('with no D365 connection', () => {
  it('serve (no --demo) sends nothing, holds the queue and says so in its log and its status', async () => {
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir };
    await importRows(env, 200);
    const logs: string[] = [];
    const server = await serve({ dataDir: dir, uiDir: stubUi(), env: { OUTBOX_USER: 'desk@test' }, secrets: new MemorySecretStore(), log: (l) => logs.push(l), drainer: { pollMs: 20 } });
    cleanup.push(() => server.close());
    expect(logs.join('\n')).toMatch(NOT_CONNECTED);
    expect(NOT_CONNECTED.exec(logs.join('\n'))![1]).toBe('200');
    await new Promise((r) => setTimeout(r, 1500));
    const status = await server.agent.api().status();
    expect(status.mode).toBe('not-connected');
    expect(status.connection).toMatch(NOT_CONNECTED);
    expect(status.counts).toMatchObject({ pending: 200, sending: 0, done: 0 });
    expect(server.agent.simulator).toBeNull();
    expect(status.drain.paused).toMatchObject({ reason: 'not-connected' });
  });

  it('drain exits 1 with the reason, and status and enqueue say it too; nothing was sent', async () => {
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir };
    const queued = await runCliProcess(['enqueue', 'SO-000001', 'DeliveryModeCode=AIR'], env);
    expect(queued.code).toBe(0);
    expect(queued.stderr).toMatch(NOT_CONNECTED);
    for (const args of [['drain', '--until-idle'], ['drain']]) {
      const drained = await runCliProcess(args, env);
      expect(drained.code).toBe(1);
      expect(drained.stderr).toMatch(/outbox: Not connected to D365: 1 update waiting\. Run `outbox connect …` or open Settings\./);
      expect(drained.stderr).not.toMatch(/simulator/);
    }
    const status = await runCliProcess(['status', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ pending: 1, done: 0 });
    expect(status.stderr).toMatch(NOT_CONNECTED);
  });

  it('a stored connection that fails validation names the setting and the fix, and sends nothing', async () => {
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir, OUTBOX_CLIENT_SECRET: 'sim-secret' };
    await importRows({ OUTBOX_DATA_DIR: dir }, 3);
    storeConnection(dir, JSON.stringify({ profile: 'FO', environmentUrl: 'https://contoso.operations.dynamics.com', tenant: 't', clientId: 'c' }));
    const drained = await runCliProcess(['drain', '--until-idle'], env);
    expect(drained.code).toBe(1);
    expect(drained.stderr).toMatch(/Not connected to D365: 3 updates waiting\. The saved D365 connection is not valid: setting "profile" is "FO" \(.*\)\. Run `outbox connect …` again, or correct it in Settings\./);
    expect(drained.stdout).not.toMatch(/done/);

    storeConnection(dir, '{"profile": fo,');
    const again = await runCliProcess(['drain', '--until-idle'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/The saved D365 connection cannot be read \(its settings entry is not valid JSON\)\. Run `outbox connect …` again/);
    expect(again.stderr).not.toMatch(/unexpected error|Expected double-quoted/);
    expect(JSON.parse((await runCliProcess(['status', '--json'], env)).stdout)).toMatchObject({ pending: 3, done: 0 });
  });

  it('the demo lives in its own folder: outbox demo never touches the real queue beside it', async () => {
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir };
    await importRows(env, 5);
    const before = fs.readFileSync(databaseFile(dir));
    const demo = await runCliProcess(['--data-dir', dir, 'demo', '--orders', '4'], {});
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/summary: \d+ done/);
    expect(demo.stdout).toContain(path.join(dir, 'demo'));
    expect(JSON.parse((await runCliProcess(['status', '--json'], env)).stdout)).toMatchObject({ pending: 5, done: 0 });
    // the real outbox's rows are exactly as they were (its header may differ: WAL checkpoints)
    const rows = (file: string) => JSON.stringify(new BetterSqlite3(file, { readonly: true }).prepare('SELECT * FROM updates ORDER BY id').all());
    const copy = path.join(tempDir(), 'before.sqlite');
    fs.writeFileSync(copy, before);
    expect(rows(databaseFile(dir))).toBe(rows(copy));
    // and a real agent refuses to open the demo's folder as if it were a queue
    const wrong = await runCliProcess(['status'], { OUTBOX_DATA_DIR: path.join(dir, 'demo') });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is a demo outbox; the real outbox lives in the folder above it/);
  });

  it('once connected, queue commands no longer say "not connected"', async () => {
    const { Simulator } = await import('../../core/simulator/simulator.ts');
    const sim = await Simulator.start({ orders: 3 });
    cleanup.push(() => sim.stop());
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir, OUTBOX_CLIENT_SECRET: 'sim-secret' };
    expect((await runCliProcess(['connect', '--url', sim.url, '--tenant', 'sim-tenant', '--client-id', 'outbox-agent', '--authority', sim.authorityUrl], env)).code).toBe(0);
    const queued = await runCliProcess(['enqueue', 'SO-000001', 'DeliveryModeCode=AIR'], { OUTBOX_DATA_DIR: dir });
    expect(queued.code).toBe(0);
    expect(queued.stderr).not.toMatch(/Not connected/);
    expect((await runCliProcess(['status'], { OUTBOX_DATA_DIR: dir })).stderr).not.toMatch(/Not connected/);
  });
});
