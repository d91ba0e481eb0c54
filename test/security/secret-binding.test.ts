/**
 * Issue 10 §6: a stored client secret is bound to the sign-in server, tenant, client id and
 * target it was given for. Through the agent's own API (what any holder of the server token
 * or a script in the renderer can call) it cannot be sent anywhere else.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../core/agent.ts';
import { MemorySecretStore, legacySecretAccount, secretSourceFrom } from '../../core/secrets.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { runOutbox } from '../main/cli/run-cli.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const SECRET = 'the real client secret';

async function setUp() {
  const sim = await Simulator.start({ orders: 5, clientSecret: SECRET });
  cleanup.push(() => sim.stop());
  // Somebody else's "sign-in server", recording every body posted to it.
  const bodies: string[] = [];
  const evil = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c));
    req.on('end', () => {
      bodies.push(b);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"x","expires_in":3600}');
    });
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => evil.close(() => r())));
  const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-binding-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const secrets = new MemorySecretStore('keychain');
  const agent = await Agent.open({ dataDir: dir, secrets, queuedBy: 'tester' });
  cleanup.push(() => agent.close());
  const connection = { profile: 'fo' as const, environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl };
  await agent.api().saveSettings({ connection, secret: SECRET });
  expect(await agent.api().testConnection()).toMatchObject({ ok: true });
  return { sim, agent, secrets, connection, evilUrl, bodies, dir };
}

describe('the secret goes only where it was given', () => {
  it('another authority through saveSettings without the secret is refused, and nothing is posted there', async () => {
    const { agent, connection, evilUrl, bodies } = await setUp();
    const api = agent.api();
    await expect(api.saveSettings({ connection: { ...connection, authorityUrl: evilUrl } })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/sign-in address.*changed: enter the client secret again/),
    });
    // the same for another environment or scope, which would send the token elsewhere
    await expect(api.saveSettings({ connection: { ...connection, environmentUrl: evilUrl } })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(api.saveSettings({ connection: { ...connection, scope: `${evilUrl}/.default` } })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect((await api.getSettings()).connection).toMatchObject({ authorityUrl: connection.authorityUrl });
    await api.testConnection();
    await api.enqueue({ orderNumber: 'SO-000001', fields: { DeliveryModeCode: 'OK' } });
    expect(await agent.drainUntilIdle()).toMatchObject({ done: 1 });
    expect(bodies).toEqual([]);
  });

  it('with the secret given again the new authority gets it, and the old entry is gone', async () => {
    const { agent, secrets, connection, sim } = await setUp();
    const moved = { ...connection, environmentUrl: `${sim.url}/` };
    await agent.api().saveSettings({ connection: moved, secret: SECRET });
    expect(await agent.api().testConnection()).toMatchObject({ ok: true });
    expect((await agent.api().getSettings()).hasSecret).toBe(true);
    expect(await secrets.get(legacySecretAccount(connection))).toBeNull();
  });

  it('a secret filed by an earlier version (tenant/client only) is moved to its bound account at start', async () => {
    const { agent, secrets, connection, dir } = await setUp();
    await agent.close();
    const old = new MemorySecretStore('keychain', { [legacySecretAccount(connection)]: SECRET });
    const reopened = await Agent.open({ dataDir: dir, secrets: old, queuedBy: 'tester' });
    cleanup.push(() => reopened.close());
    expect(await reopened.api().testConnection()).toMatchObject({ ok: true });
    expect(await old.get(legacySecretAccount(connection))).toBeNull();
    expect(secrets.kind).toBe('keychain');
  });

  it('OUTBOX_CLIENT_SECRET is removed from the environment once read, so no child process inherits it', async () => {
    const env: NodeJS.ProcessEnv = { OUTBOX_CLIENT_SECRET: `  ${SECRET}\n`, OTHER: 'kept' };
    const source = secretSourceFrom(env);
    expect(source.envSecret).toBe(SECRET);
    expect(env).toEqual({ OTHER: 'kept' });
    // the CLI does the same with the environment it was given
    const sim = await Simulator.start({ orders: 2, clientSecret: SECRET });
    cleanup.push(() => sim.stop());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-envsecret-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const cliEnv: NodeJS.ProcessEnv = { OUTBOX_CLIENT_SECRET: SECRET };
    const r = await runOutbox(['--data-dir', dir, 'connect', '--url', sim.url, '--tenant', 'sim-tenant', '--client-id', 'outbox-agent', '--authority', sim.authorityUrl], { env: cliEnv });
    expect(r.code, r.stderr).toBe(0);
  });
});
