import { describe, expect, it } from 'vitest';
import { isOutboxError } from '../../core/errors.ts';
import { KEYCHAIN_SERVICE, KeychainSecretStore, legacySecretAccount, MemorySecretStore, secretAccount, secretSourceFrom, type SecretBinding, type SecretStore } from '../../core/secrets.ts';

const BINDING: SecretBinding = {
  tenant: 'contoso.onmicrosoft.com',
  clientId: 'client-1',
  authorityUrl: 'https://login.microsoftonline.com',
  environmentUrl: 'https://contoso.operations.dynamics.com',
};

describe('secretAccount: where a secret is filed binds it to where it may go', () => {
  it('names the tenant, the client and the sign-in host, plus a hash of the target', () => {
    expect(secretAccount(BINDING)).toMatch(/^contoso\.onmicrosoft\.com\/client-1 @ login\.microsoftonline\.com #[0-9a-f]{16}$/);
    expect(secretAccount({ ...BINDING })).toBe(secretAccount(BINDING));
  });

  it('changes with the authority, the environment, the API root or the scope: the old secret is then not found', () => {
    const base = secretAccount(BINDING);
    const moved: Partial<SecretBinding>[] = [
      { authorityUrl: 'https://login.evil.example' },
      { authorityUrl: 'https://login.microsoftonline.com/other-path' },
      { environmentUrl: 'https://fabrikam.operations.dynamics.com' },
      { serviceRoot: 'https://contoso.operations.dynamics.com/data' },
      { scope: 'https://api.businesscentral.dynamics.com/.default' },
      { tenant: 'fabrikam.onmicrosoft.com' },
      { clientId: 'client-2' },
    ];
    const accounts = moved.map((m) => secretAccount({ ...BINDING, ...m }));
    for (const a of accounts) expect(a).not.toBe(base);
    expect(new Set(accounts).size).toBe(accounts.length);
  });

  it('the legacy account is tenant/client only, as earlier versions filed it', () => {
    expect(legacySecretAccount(BINDING)).toBe('contoso.onmicrosoft.com/client-1');
  });

  it('never contains the secret or anything derived from the secret', () => {
    expect(secretAccount(BINDING)).not.toMatch(/secret/i);
  });
});

describe('secretSourceFrom: one rule for where the secret comes from', () => {
  const keychain: SecretStore = new MemorySecretStore('keychain-stand-in');

  it('OUTBOX_CLIENT_SECRET, trimmed, held in memory only; the variable is removed as it is read', () => {
    const env: NodeJS.ProcessEnv = { OUTBOX_CLIENT_SECRET: '  s3cr3t\n', PATH: '/bin' };
    const source = secretSourceFrom(env, () => keychain);
    expect(source.envSecret).toBe('s3cr3t');
    expect(source.secrets.kind).toBe('environment (OUTBOX_CLIENT_SECRET)');
    expect(source.secrets).not.toBe(keychain);
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('without it (or with only blanks) the OS keychain, and the blank variable is removed too', () => {
    expect(secretSourceFrom({}, () => keychain)).toEqual({ secrets: keychain });
    const env: NodeJS.ProcessEnv = { OUTBOX_CLIENT_SECRET: '   ' };
    expect(secretSourceFrom(env, () => keychain)).toEqual({ secrets: keychain });
    expect('OUTBOX_CLIENT_SECRET' in env).toBe(false);
  });

  it('the default keychain is the OS keychain under the product name', () => {
    const store = secretSourceFrom({}).secrets;
    expect(store).toBeInstanceOf(KeychainSecretStore);
    expect(store.kind).toBe('keychain');
    expect(KEYCHAIN_SERVICE).toBe('Outbox Agent');
  });
});

describe('MemorySecretStore', () => {
  it('gets, sets and deletes by account; "*" answers for any account (the simulator)', async () => {
    const s = new MemorySecretStore();
    expect(await s.get('a')).toBeNull();
    await s.set('a', 'x');
    expect(await s.get('a')).toBe('x');
    await s.delete('a');
    expect(await s.get('a')).toBeNull();
    const any = new MemorySecretStore('memory', { '*': 'sim-secret' });
    expect(await any.get('whatever/account')).toBe('sim-secret');
  });
});

describe('KeychainSecretStore without a reachable keychain', () => {
  it('fails with SECRET_STORE, saying what it tried and what to do instead', async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/outbox-test-bus';
    try {
      const store = new KeychainSecretStore('Outbox Agent (unit test)');
      for (const [what, call] of [['read', () => store.get('a')], ['store', () => store.set('a', 'hunter2')], ['remove', () => store.delete('a')]] as const) {
        const e = await call().then(() => null, (err: unknown) => err);
        expect(isOutboxError(e) && e.code, what).toBe('SECRET_STORE');
        expect((e as Error).message).toMatch(new RegExp(`^Could not ${what} the client secret in the OS keychain \\(.+\\)\\. On a headless site without a keychain, set OUTBOX_CLIENT_SECRET instead\\.$`));
        expect((e as Error).message).not.toContain('hunter2');
      }
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });
});
