import { describe, expect, it } from 'vitest';
import { checkConnection, DEFAULT_AUTHORITY, RETRY_LIMIT_RANGE, Settings, vetServiceUrl, type Connection } from '../../core/settings.ts';
import { badInputMessage, openTestOutbox } from './outbox/fixtures.ts';

const GOOD: Connection = {
  profile: 'fo',
  environmentUrl: 'https://contoso.operations.dynamics.com',
  tenant: 'contoso.onmicrosoft.com',
  clientId: '11111111-2222-3333-4444-555555555555',
  authorityUrl: DEFAULT_AUTHORITY,
};

function setUp() {
  const { outbox } = openTestOutbox();
  const settings = new Settings(outbox.db);
  const store = (value: string) => outbox.db.prepare(`INSERT OR REPLACE INTO settings (key, value) VALUES ('connection', ?)`).run(value);
  return { outbox, settings, store };
}

describe('Settings.stored(): none, valid, or there but unusable', () => {
  it('none when nothing was saved; valid after a save, read back as saved', () => {
    const s = setUp();
    expect(s.settings.stored()).toEqual({ kind: 'none' });
    expect(s.settings.connection()).toBeNull();
    s.settings.setConnection(GOOD);
    expect(s.settings.stored()).toEqual({ kind: 'valid', connection: GOOD });
    expect(s.settings.connection()).toEqual(GOOD);
  });

  it('a row that is not JSON says so and how to fix it', () => {
    const s = setUp();
    s.store('{"profile": "fo",');
    expect(s.settings.stored()).toEqual({
      kind: 'invalid',
      problem: 'The saved D365 connection cannot be read (its settings entry is not valid JSON). Run `outbox connect …` again, or correct it in Settings.',
    });
    expect(s.settings.connection()).toBeNull();
  });

  it('a damaged setting is named, with its value (or that it is missing) and the rule it breaks', () => {
    const s = setUp();
    s.store(JSON.stringify({ ...GOOD, profile: 'crm' }));
    const bad = s.settings.stored();
    expect(bad.kind).toBe('invalid');
    expect(bad.kind === 'invalid' && bad.problem).toMatch(/^The saved D365 connection is not valid: setting "profile" is "crm" \(.+\)\. Run `outbox connect …` again/);
    const { tenant: _t, ...noTenant } = GOOD;
    s.store(JSON.stringify(noTenant));
    expect(s.settings.stored()).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('setting "tenant" is missing') });
    s.store(JSON.stringify({ ...GOOD, batch: { maxOperations: 0 } }));
    expect(s.settings.stored()).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('setting "batch.maxOperations" is 0') });
  });

  it('a stored URL that is no longer allowed is named too (an old file, or one edited by hand)', () => {
    const s = setUp();
    s.store(JSON.stringify({ ...GOOD, authorityUrl: 'http://login.example.com' }));
    expect(s.settings.stored()).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/setting "authorityUrl": authorityUrl must use https:\/\//) });
  });

  it('a very long bad value is cut short in the message', () => {
    const s = setUp();
    s.store(JSON.stringify({ ...GOOD, tenant: 'x'.repeat(5000) }));
    const bad = s.settings.stored();
    expect(bad.kind === 'invalid' && bad.problem.length).toBeLessThan(400);
  });
});

describe('Settings.setConnection', () => {
  it('fills the default authority, trims, and removes the connection with null', () => {
    const s = setUp();
    const { authorityUrl: _a, ...without } = GOOD;
    expect(s.settings.setConnection({ ...without, tenant: '  contoso.onmicrosoft.com ' } as Connection)).toEqual(GOOD);
    expect(s.settings.setConnection(null)).toBeNull();
    expect(s.settings.stored()).toEqual({ kind: 'none' });
  });

  it('refuses what it could not use later, naming the setting, and keeps what was there', () => {
    const s = setUp();
    s.settings.setConnection(GOOD);
    expect(badInputMessage(() => s.settings.setConnection({ ...GOOD, tenant: '' }))).toMatch(/^connection\.tenant: /);
    expect(badInputMessage(() => s.settings.setConnection({ ...GOOD, environmentUrl: 'http://contoso.example.com' }))).toBe(
      'environment URL must use https:// (plain http is only allowed for 127.0.0.1): "http://contoso.example.com"',
    );
    expect(s.settings.connection()).toEqual(GOOD);
  });
});

describe('vetServiceUrl', () => {
  it('takes https anywhere and plain http only on loopback; trailing slashes go', () => {
    expect(vetServiceUrl('https://contoso.operations.dynamics.com/', 'x')).toBe('https://contoso.operations.dynamics.com');
    expect(vetServiceUrl('http://127.0.0.1:8080/data//', 'x')).toBe('http://127.0.0.1:8080/data');
    expect(vetServiceUrl('http://localhost:1', 'x')).toBe('http://localhost:1');
    expect(vetServiceUrl('http://[::1]:1', 'x')).toBe('http://[::1]:1');
  });

  it('refuses other schemes and hosts, credentials, queries and fragments, naming what', () => {
    expect(badInputMessage(() => vetServiceUrl('http://169.254.169.254/latest', 'authority URL'))).toMatch(/^authority URL must use https:\/\//);
    expect(badInputMessage(() => vetServiceUrl('http://127.0.0.1.evil.example', 'x'))).toMatch(/must use https/);
    expect(badInputMessage(() => vetServiceUrl('file:///etc/passwd', 'x'))).toMatch(/must use https/);
    expect(badInputMessage(() => vetServiceUrl('https://u:p@host', 'service root'))).toBe('service root must not carry a user name or password');
    expect(badInputMessage(() => vetServiceUrl('https://host/?a=1', 'x'))).toBe('x must not have a query or fragment');
    expect(badInputMessage(() => vetServiceUrl('https://host/#top', 'x'))).toBe('x must not have a query or fragment');
    expect(badInputMessage(() => vetServiceUrl('contoso data', 'x'))).toBe('x "contoso data" is not a URL');
  });

  it('checkConnection vets every URL of the connection', () => {
    expect(badInputMessage(() => checkConnection({ ...GOOD, serviceRoot: 'http://api.example.com/v2.0' }))).toMatch(/^service root must use https/);
    expect(badInputMessage(() => checkConnection({ ...GOOD, authorityUrl: 'ftp://login' }))).toMatch(/^authority URL must use https/);
    expect(checkConnection({ ...GOOD, scope: 'https://api.businesscentral.dynamics.com/.default' }).scope).toBe('https://api.businesscentral.dynamics.com/.default');
  });
});

describe('preferences', () => {
  it('have defaults, keep what a person set, and hold the retry limit to its range', () => {
    const s = setUp();
    expect(s.settings.preferences()).toEqual({ defaultCompany: 'USMF', retryLimit: RETRY_LIMIT_RANGE.default, startAtLogin: false, language: 'auto' });
    s.settings.setPreferences({ retryLimit: RETRY_LIMIT_RANGE.max, language: 'de' });
    s.settings.setPreferences({ defaultCompany: 'DEMF' });
    expect(s.settings.preferences()).toMatchObject({ retryLimit: 10, language: 'de', defaultCompany: 'DEMF' });
    expect(() => s.settings.setPreferences({ retryLimit: RETRY_LIMIT_RANGE.max + 1 })).toThrow();
    expect(() => s.settings.setPreferences({ retryLimit: RETRY_LIMIT_RANGE.min - 1 })).toThrow();
    expect(s.settings.preferences().retryLimit).toBe(10);
  });

  it('damaged stored preferences fall back to the defaults instead of failing start-up', () => {
    const s = setUp();
    s.outbox.db.prepare(`INSERT INTO settings (key, value) VALUES ('preferences', '{"retryLimit": "lots"')`).run();
    expect(s.settings.preferences().retryLimit).toBe(3);
  });

  it('the secret is never among the settings', () => {
    const s = setUp();
    s.settings.setConnection({ ...GOOD, ...({ secret: 'hunter2' } as object) } as Connection);
    expect(JSON.stringify(s.outbox.db.prepare('SELECT * FROM settings').all())).not.toContain('hunter2');
  });
});

describe('demo marking', () => {
  it('a folder is real until marked as the demo', () => {
    const s = setUp();
    expect(s.settings.isDemo()).toBe(false);
    s.settings.markDemo();
    expect(new Settings(s.outbox.db).isDemo()).toBe(true);
  });
});
