import { afterAll, describe, expect, it } from 'vitest';
import { CONNECT_HINT, D365Link } from '../../core/connection.ts';
import { createDispatcher } from '../../core/d365/client.ts';
import { isOutboxError } from '../../core/errors.ts';
import { legacySecretAccount, MemorySecretStore, secretAccount } from '../../core/secrets.ts';
import { Settings, type Connection } from '../../core/settings.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { openTestOutbox } from './outbox/fixtures.ts';
import { MetadataCache } from '../../core/d365/metadata-cache.ts';

const dispatcher = createDispatcher({ connectMs: 2000, headersMs: 2000, bodyMs: 2000 });
afterAll(() => dispatcher.close());

const FO: Connection = {
  profile: 'fo',
  environmentUrl: 'https://contoso.operations.dynamics.com',
  tenant: 'contoso',
  clientId: 'agent',
  authorityUrl: 'https://login.microsoftonline.com',
};

function setUp(o: { envSecret?: string } = {}) {
  const { outbox } = openTestOutbox();
  const settings = new Settings(outbox.db);
  const secrets = new MemorySecretStore();
  const notices: string[] = [];
  const link = new D365Link({ settings, secrets, envSecret: o.envSecret, dispatcher, metadata: new MetadataCache(outbox.db), notice: (m) => notices.push(m) });
  return { outbox, settings, secrets, link, notices };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(isOutboxError(e) && e.code).toBe('BAD_INPUT');
  return (e as Error).message;
}

describe('D365Link.save: the secret stays bound to where it was given for', () => {
  it('a first connection needs its secret, filed under the account bound to it', async () => {
    const s = setUp();
    expect(await refusal(s.link.save(FO, undefined))).toBe('Enter the client secret for this connection (it is kept in the OS keychain, never in the outbox).');
    expect(s.settings.connection()).toBeNull();
    await s.link.save(FO, 'the-secret');
    expect(s.settings.connection()).toEqual(FO);
    expect(await s.secrets.get(secretAccount(FO))).toBe('the-secret');
    expect(await s.link.hasSecret(FO)).toBe(true);
  });

  it('moving the sign-in server, environment, API root or scope without the secret again is refused, and nothing changes', async () => {
    for (const moved of [{ authorityUrl: 'https://login.evil.example' }, { environmentUrl: 'https://fabrikam.operations.dynamics.com' }, { serviceRoot: 'https://contoso.operations.dynamics.com/data' }, { scope: 'https://x/.default' }]) {
      const s = setUp();
      await s.link.save(FO, 'the-secret');
      expect(await refusal(s.link.save({ ...FO, ...moved }, undefined))).toMatch(/^The sign-in address, environment, API root or scope changed: enter the client secret again\./);
      expect(s.settings.connection()).toEqual(FO);
      expect(await s.secrets.get(secretAccount(FO))).toBe('the-secret');
      expect(await s.secrets.get(secretAccount({ ...FO, ...moved }))).toBeNull();
    }
  });

  it('a change that keeps the binding keeps the secret; a move with the new secret drops the old one', async () => {
    const s = setUp();
    await s.link.save(FO, 'first');
    await s.link.save({ ...FO, batch: { maxOperations: 20 } }, undefined);
    expect(await s.secrets.get(secretAccount(FO))).toBe('first');
    const moved = { ...FO, environmentUrl: 'https://fabrikam.operations.dynamics.com' };
    await s.secrets.set(legacySecretAccount(FO), 'legacy copy');
    await s.link.save(moved, 'second');
    expect(await s.secrets.get(secretAccount(moved))).toBe('second');
    expect(await s.secrets.get(secretAccount(FO))).toBeNull();
    expect(await s.secrets.get(legacySecretAccount(FO))).toBeNull();
  });

  it('removing the connection removes its secret', async () => {
    const s = setUp();
    await s.link.save(FO, 'the-secret');
    await s.link.save(null, undefined);
    expect(s.settings.connection()).toBeNull();
    expect(await s.secrets.get(secretAccount(FO))).toBeNull();
  });

  it('with OUTBOX_CLIENT_SECRET a first connection needs no secret, but a move still does', async () => {
    const s = setUp({ envSecret: 'from-env' });
    await s.link.save(FO, undefined);
    expect(s.settings.connection()).toEqual(FO);
    expect(await s.link.hasSecret(FO)).toBe(true);
    expect(await refusal(s.link.save({ ...FO, authorityUrl: 'https://login.evil.example' }, undefined))).toMatch(/enter the client secret again/);
    expect(s.settings.connection()).toEqual(FO);
  });

  it('a connection that breaks the rules is refused before anything is stored', async () => {
    const s = setUp();
    expect(await refusal(s.link.save({ ...FO, environmentUrl: 'http://contoso.example.com' }, 'x'))).toMatch(/environment URL must use https/);
    expect(s.settings.connection()).toBeNull();
    expect(await s.secrets.get(secretAccount({ ...FO, environmentUrl: 'http://contoso.example.com' }))).toBeNull();
  });
});

describe('D365Link.connect: a client only from the stored connection', () => {
  it('no connection: not connected, saying what to do', async () => {
    const s = setUp();
    expect(await s.link.connect()).toEqual({ kind: 'not-connected', reason: `No D365 connection is configured. ${CONNECT_HINT}` });
    expect(s.link.client).toBeNull();
    expect(s.link.catalog).toBeNull();
  });

  it('a stored connection that cannot be used says which setting is wrong', async () => {
    const s = setUp();
    s.settings.setConnection(FO);
    s.outbox.db.prepare(`UPDATE settings SET value = ? WHERE key = 'connection'`).run(JSON.stringify({ ...FO, tenant: '' }));
    const state = await s.link.connect();
    expect(state).toMatchObject({ kind: 'not-connected', reason: expect.stringContaining('setting "tenant"') });
    expect(s.link.client).toBeNull();
  });

  it('a connection without its secret: not connected, naming the environment, tenant and client', async () => {
    const s = setUp();
    s.settings.setConnection(FO);
    expect(await s.link.connect()).toEqual({
      kind: 'not-connected',
      reason: 'No client secret is stored for https://contoso.operations.dynamics.com (tenant contoso, client agent). Enter it in Settings, or run `outbox connect …`.',
    });
  });

  it('with its secret: a client for the profile\'s service root that signs in where the secret is bound, over real HTTP', async () => {
    const sim = await Simulator.start({ orders: 3 });
    try {
      const s = setUp();
      const c: Connection = { profile: 'fo', environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl };
      await s.link.save(c, 'sim-secret');
      expect(await s.link.connect()).toEqual({ kind: 'connected', target: sim.url });
      expect(s.link.client!.serviceRoot).toBe(`${sim.url}/data`);
      const snap = await s.link.client!.getOrder({ company: 'USMF', orderNumber: 'SO-000001' }, ['DeliveryModeCode']);
      expect(snap.values).toEqual({ DeliveryModeCode: '10' });
      expect(sim.requestLog.map((e) => e.path)).toContain('/sim-tenant/oauth2/v2.0/token');
      expect(s.link.secretStoreKind).toBe('memory');
    } finally {
      await sim.stop();
    }
  });

  it('a demo link goes to the embedded simulator only, whatever is stored', async () => {
    const sim = await Simulator.start({ orders: 1 });
    try {
      const { outbox } = openTestOutbox();
      const settings = new Settings(outbox.db);
      settings.setConnection(FO);
      const link = new D365Link({ settings, secrets: new MemorySecretStore(), dispatcher, metadata: new MetadataCache(outbox.db), simulator: sim });
      expect(await link.connect()).toEqual({ kind: 'demo', target: sim.url });
      expect(link.client!.serviceRoot).toBe(`${sim.url}/data`);
    } finally {
      await sim.stop();
    }
  });
});

describe('D365Link.adoptLegacySecret', () => {
  it('moves a secret filed the old way to its bound account, once, without overwriting a newer one', async () => {
    const s = setUp();
    s.settings.setConnection(FO);
    await s.secrets.set(legacySecretAccount(FO), 'old-way');
    await s.link.adoptLegacySecret();
    expect(await s.secrets.get(secretAccount(FO))).toBe('old-way');
    expect(await s.secrets.get(legacySecretAccount(FO))).toBeNull();
    await s.secrets.set(legacySecretAccount(FO), 'stale');
    await s.secrets.set(secretAccount(FO), 'newer');
    await s.link.adoptLegacySecret();
    expect(await s.secrets.get(secretAccount(FO))).toBe('newer');
    expect(await s.secrets.get(legacySecretAccount(FO))).toBeNull();
  });
});
