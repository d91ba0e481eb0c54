import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../core/agent.ts';
import type { StampedEvent } from '../../core/events.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { runCli } from '../../main/cli/outbox.ts';

const SECRET = 'Zq8-OUTBOX-CLIENT-SECRET-7f3c19d2-Quokka';
const WRONG = 'Wr0ng-OUTBOX-SECRET-d41d8cd9-Wombat';

let dir: string;
let exportDir: string;
let sim: Simulator;
/** every bearer token the agent presented: the ones the simulator issued */
const tokens = new Set<string>();
const events: StampedEvent[] = [];
const cliOutput: string[] = [];
const apiAnswers: string[] = [];

// undici announces each request it creates; the Authorization header carries the token.
const onRequest = (message: unknown) => {
  const headers = (message as { request: { headers: unknown } }).request.headers;
  const text = Array.isArray(headers) ? headers.map(String).join('\n') : String(headers);
  for (const m of text.matchAll(/Bearer\s+([A-Za-z0-9_\-.~+/=]+)/g)) tokens.add(m[1]!);
};

beforeAll(async () => {
  diagnostics.subscribe('undici:request:create', onRequest);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-secrets-'));
  exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-secrets-export-'));
  sim = await Simulator.start({ orders: 30, clientSecret: SECRET, tokenLifetimeSeconds: 2, seed: 11 });
});

afterAll(async () => {
  diagnostics.unsubscribe('undici:request:create', onRequest);
  await sim?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(exportDir, { recursive: true, force: true });
});

async function cli(env: Record<string, string>, ...argv: string[]): Promise<number> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => (text += c.toString()));
  stderr.on('data', (c: Buffer) => (text += c.toString()));
  const code = await runCli(['--data-dir', dir, ...argv], { stdin: Readable.from([]), stdout, stderr, env: { OUTBOX_USER: 'tester', ...env } });
  cliOutput.push(text);
  return code;
}

function filesUnder(root: string): string[] {
  return fs.readdirSync(root, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(root, e.name)) : [path.join(root, e.name)]));
}

/** The secret or a token, as raw bytes in any of the encodings they could be written in. */
function needles(value: string): Buffer[] {
  return [value, encodeURIComponent(value), Buffer.from(value).toString('base64'), JSON.stringify(value).slice(1, -1)].map((v) => Buffer.from(v));
}

function leaks(haystack: Buffer, where: string): string[] {
  const found: string[] = [];
  for (const [what, value] of [['client secret', SECRET], ['wrong secret', WRONG], ...[...tokens].map((t) => ['access token', t] as const)] as const) {
    if (needles(value).some((n) => haystack.includes(n))) found.push(`${what} in ${where}`);
  }
  return found;
}

describe('secrets do not leak: a full scripted run, then every trace is searched', () => {
  it('connect, drain, conflicts, export, error paths: no secret or token anywhere', { timeout: 60_000 }, async () => {
    const agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'tester' });
    const off = agent.subscribe((e) => events.push(e));
    const api = agent.api();
    const call = async (method: string, args?: unknown) => {
      const r = await agent.invoke(method, args);
      apiAnswers.push(JSON.stringify(r));
      return r;
    };
    try {
      // connect: the secret goes to the store, never to settings
      await call('saveSettings', {
        connection: { profile: 'fo', environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl },
        secret: SECRET,
      });
      expect(await call('testConnection')).toMatchObject({ ok: true, value: { ok: true } });
      await call('getSettings');

      // drain, with someone else changing the same fields on some orders (conflicts)
      for (let i = 1; i <= 12; i++) await api.enqueue({ orderNumber: `SO-${String(i).padStart(6, '0')}`, fields: { DeliveryModeCode: `S${i}` } });
      for (let i = 1; i <= 4; i++) sim.script({ method: 'PATCH', kind: 'writer', fields: { DeliveryModeCode: `T${i}` } });
      const first = await agent.drainUntilIdle();
      expect(first.done + first.conflict).toBe(12);
      expect(first.conflict).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 2100)); // tokens expire; new ones are fetched
      for (let i = 13; i <= 16; i++) await api.enqueue({ orderNumber: `SO-${String(i).padStart(6, '0')}`, fields: { SalesOrderName: `renamed ${i}` } });
      await agent.drainUntilIdle();
      await call('listUpdates', { limit: 100 });
      await call('getUpdate', { id: 1 });
      await call('listConflicts', {});
      await call('metrics');
      await call('status');

      // export through the API and the CLI
      for (const format of ['csv', 'json'] as const) {
        const r = await call('exportConflicts', { format });
        if (!r.ok) throw new Error(r.error.message);
        fs.writeFileSync(path.join(exportDir, `api.${format}`), (r.value as { body: string }).body);
      }

      // error paths: a wrong secret, revoked tokens
      await call('saveSettings', { secret: WRONG });
      await api.enqueue({ orderNumber: 'SO-000020', fields: { DeliveryModeCode: 'W' } });
      const stopped = await agent.drainUntilIdle();
      expect(stopped.stoppedBecause).toBe('credentials');
      expect((await api.status()).drain.paused?.message).toMatch(/Invalid client secret/);
      await call('testConnection');
      await call('lookupOrder', { orderNumber: 'SO-000001', fields: ['DeliveryModeCode'] });
      await call('saveSettings', { secret: SECRET });
      sim.revokeTokens();
      await agent.drainUntilIdle();
      await call('lookupOrder', { orderNumber: 'SO-000001', fields: ['DeliveryModeCode'] });
      // while the agent is still open: the WAL and shared memory are on disk now
      const live = filesUnder(dir).flatMap((f) => leaks(fs.readFileSync(f), `${path.basename(f)} (agent running)`));
      expect(live).toEqual([]);
      expect(filesUnder(dir).some((f) => f.endsWith('-wal'))).toBe(true);
    } finally {
      off();
      await agent.close();
    }

    // the CLI over the same data, with the secret from the environment
    expect(await cli({ OUTBOX_CLIENT_SECRET: SECRET }, 'drain', '--until-idle')).toBe(0);
    await cli({}, 'list', '--json', '--limit', '100');
    await cli({}, 'show', '1', '--json');
    await cli({}, 'status');
    expect(await cli({}, 'conflicts', 'export', '--format', 'csv', '--out', path.join(exportDir, 'cli.csv'))).toBe(0);
    expect(await cli({}, 'conflicts', 'export', '--format', 'json', '--out', path.join(exportDir, 'cli.json'))).toBe(0);
    expect(await cli({}, 'enqueue', 'SO-000021', 'DeliveryModeCode=C')).toBe(0);
    expect(await cli({ OUTBOX_CLIENT_SECRET: WRONG }, 'drain', '--until-idle')).toBe(1);

    expect(tokens.size, 'tokens were captured, so the search means something').toBeGreaterThan(2);
    // the search itself finds what it looks for
    expect(leaks(Buffer.from(`x${SECRET}x${[...tokens][0]}`), 'probe')).toEqual(['client secret in probe', 'access token in probe']);
    const found = [
      ...filesUnder(dir).flatMap((f) => leaks(fs.readFileSync(f), path.relative(dir, f))),
      ...filesUnder(exportDir).flatMap((f) => leaks(fs.readFileSync(f), `export ${path.basename(f)}`)),
      ...leaks(Buffer.from(cliOutput.join('\n')), 'CLI stdout/stderr'),
      ...leaks(Buffer.from(JSON.stringify(events)), 'events'),
      ...leaks(Buffer.from(apiAnswers.join('\n')), 'API answers'),
    ];
    expect(found).toEqual([]);
    // the run really went through the paths it claims to
    expect(events.some((e) => e.type === 'conflict')).toBe(true);
    expect(events.some((e) => e.type === 'paused' && e.reason === 'credentials')).toBe(true);
    expect(fs.readFileSync(path.join(exportDir, 'cli.csv'), 'utf8')).toMatch(/DeliveryModeCode/);
    expect(cliOutput.join('\n')).toMatch(/Invalid client secret/);
  });
});
