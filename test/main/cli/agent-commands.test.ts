import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { databaseFile } from '../../../core/paths.ts';
import { Settings } from '../../../core/settings.ts';
import { Simulator } from '../../../core/simulator/simulator.ts';
import { runOutbox } from './run-cli.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-cli-agent-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const cli = (argv: string[], env: NodeJS.ProcessEnv = {}) => runOutbox(argv, { env });

async function simulator(): Promise<Simulator> {
  const sim = await Simulator.start({ orders: 10, clientSecret: 'sim secret for the cli' });
  cleanup.push(() => sim.stop());
  return sim;
}

describe('outbox connect / drain / demo', () => {
  it('connects with OUTBOX_CLIENT_SECRET, says so, stores no secret, and drains until idle', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const env = { OUTBOX_CLIENT_SECRET: 'sim secret for the cli' };
    const connected = await cli(['--data-dir', dir, 'connect', '--url', sim.url, '--tenant', 'sim-tenant', '--client-id', 'outbox-agent', '--authority', sim.authorityUrl], env);
    expect(connected.stderr).toContain('OUTBOX_CLIENT_SECRET');
    expect(connected.stdout).toMatch(/test: Connected to/);
    expect(connected.code).toBe(0);

    expect((await cli(['--data-dir', dir, 'enqueue', "SO-000003", 'DeliveryModeCode=CLI'])).code).toBe(0);
    const drained = await cli(['--data-dir', dir, 'drain', '--until-idle'], env);
    expect(drained.code).toBe(0);
    expect(drained.stdout).toMatch(/summary: 1 done, 0 conflict, 0 failed/);
    expect(sim.order('USMF', 'SO-000003')!.DeliveryModeCode).toBe('CLI');

    const file = databaseFile(dir);
    const outbox = Outbox.open(file);
    expect(new Settings(outbox.db).connection()).toMatchObject({ environmentUrl: sim.url, tenant: 'sim-tenant' });
    outbox.close();
    for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f)).includes('sim secret for the cli')).toBe(false);
  });

  it('a wrong secret: connect reports the refusal, drain stops for credentials with exit 1, nothing lost', async () => {
    const sim = await simulator();
    const dir = tempDir();
    const env = { OUTBOX_CLIENT_SECRET: 'not-the-secret' };
    const connected = await cli(['--data-dir', dir, 'connect', '--url', sim.url, '--tenant', 'sim-tenant', '--client-id', 'outbox-agent', '--authority', sim.authorityUrl], env);
    expect(connected.code).toBe(1);
    expect(connected.stdout).toMatch(/test failed.*refused/);
    await cli(['--data-dir', dir, 'enqueue', 'SO-000004', 'DeliveryModeCode=X']);
    const drained = await cli(['--data-dir', dir, 'drain', '--until-idle'], env);
    expect(drained.code).toBe(1);
    expect(drained.stderr).toMatch(/stopped: Sign-in to Microsoft Entra ID was refused/);
    expect(drained.stdout + drained.stderr).not.toContain('not-the-secret');
    expect((await cli(['--data-dir', dir, 'status', '--json'])).stdout).toMatch(/"pending": ?1/);
  });

  it('refuses a plain-http environment URL that is not loopback', async () => {
    const dir = tempDir();
    const r = await cli(['--data-dir', dir, 'connect', '--url', 'http://contoso.example.com', '--tenant', 't', '--client-id', 'c'], { OUTBOX_CLIENT_SECRET: 's' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/must use https/);
  });

  it('demo shows the whole loop against the simulator with other writers', async () => {
    const dir = tempDir();
    const r = await cli(['--data-dir', dir, 'demo', '--orders', '8', '--seed', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/simulator: http:\/\/127\.0\.0\.1:\d+/);
    const m = /summary: (\d+) done, (\d+) conflict \(waiting for a person\), (\d+) failed/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1]) + Number(m![2])).toBe(8);
    expect(Number(m![3])).toBe(0);
  });

  it('serve refuses a port that is not a number', async () => {
    const r = await cli(['--data-dir', tempDir(), 'serve', '--port', 'http']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port "http" must be a port number/);
  });
});
