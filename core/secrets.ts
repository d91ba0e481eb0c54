import { createHash } from 'node:crypto';
import { OutboxError } from './errors.ts';

/** Where the D365 client secret lives: the OS keychain, or memory. Never SQLite or logs. */
export interface SecretStore {
  readonly kind: string;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<void>;
}

export const KEYCHAIN_SERVICE = 'Outbox Agent';

/** What a stored secret is bound to: it is only ever sent to this authority, for this target. */
export interface SecretBinding {
  tenant: string;
  clientId: string;
  authorityUrl: string;
  environmentUrl: string;
  serviceRoot?: string;
  scope?: string;
}

/**
 * The keychain account a connection's secret is filed under. It names the tenant, client id
 * and authority, and hashes where the token goes: change any of them (a different sign-in
 * server, environment, API root or scope) and the stored secret is simply not found, so it is
 * asked for again instead of being sent somewhere new.
 */
export function secretAccount(c: SecretBinding): string {
  const target = JSON.stringify([c.authorityUrl, c.environmentUrl, c.serviceRoot ?? null, c.scope ?? null]);
  const hash = createHash('sha256').update(target).digest('hex').slice(0, 16);
  let host = c.authorityUrl;
  try {
    host = new URL(c.authorityUrl).host;
  } catch {
    // not a URL: the settings refuse it before any secret is filed
  }
  return `${c.tenant}/${c.clientId} @ ${host} #${hash}`;
}

/** How earlier versions filed a secret (tenant/client id only); adopted once, at start-up. */
export function legacySecretAccount(c: Pick<SecretBinding, 'tenant' | 'clientId'>): string {
  return `${c.tenant}/${c.clientId}`;
}

export interface SecretSource {
  secrets: SecretStore;
  /** the secret from OUTBOX_CLIENT_SECRET, when set */
  envSecret?: string;
}

/**
 * The one rule for where the client secret comes from, for every host: OUTBOX_CLIENT_SECRET
 * (memory only; for headless sites without a keychain) else the OS keychain. The variable is
 * removed from the environment as it is read, so no child process inherits it.
 */
export function secretSourceFrom(env: NodeJS.ProcessEnv, keychain: () => SecretStore = () => new KeychainSecretStore()): SecretSource {
  const raw = env.OUTBOX_CLIENT_SECRET;
  delete env.OUTBOX_CLIENT_SECRET;
  const secret = raw?.trim();
  if (secret) return { secrets: new MemorySecretStore('environment (OUTBOX_CLIENT_SECRET)'), envSecret: secret };
  return { secrets: keychain() };
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** The OS keychain through keytar (libsecret on Linux, Keychain on macOS, Credential Vault on Windows). */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain';
  private keytar: Promise<Keytar> | null = null;
  private readonly service: string;

  constructor(service = KEYCHAIN_SERVICE) {
    this.service = service;
  }

  private load(): Promise<Keytar> {
    // Loaded on first use so commands that need no secret work where libsecret is missing.
    this.keytar ??= import('keytar').then((m) => ((m as { default?: Keytar }).default ?? (m as unknown as Keytar)));
    return this.keytar;
  }

  async get(account: string): Promise<string | null> {
    return this.call('read', async (k) => k.getPassword(this.service, account));
  }

  async set(account: string, secret: string): Promise<void> {
    await this.call('store', async (k) => k.setPassword(this.service, account, secret));
  }

  async delete(account: string): Promise<void> {
    await this.call('remove', async (k) => k.deletePassword(this.service, account));
  }

  private async call<T>(what: string, fn: (k: Keytar) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.load());
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new OutboxError(
        'SECRET_STORE',
        `Could not ${what} the client secret in the OS keychain (${reason}). On a headless site without a keychain, set OUTBOX_CLIENT_SECRET instead.`,
        { cause: e },
      );
    }
  }
}

/** Secrets held in memory only: tests, the simulator, and OUTBOX_CLIENT_SECRET. */
export class MemorySecretStore implements SecretStore {
  readonly kind: string;
  private readonly secrets = new Map<string, string>();

  constructor(kind = 'memory', initial: Record<string, string> = {}) {
    this.kind = kind;
    for (const [k, v] of Object.entries(initial)) this.secrets.set(k, v);
  }

  async get(account: string): Promise<string | null> {
    return this.secrets.get(account) ?? this.secrets.get('*') ?? null;
  }

  async set(account: string, secret: string): Promise<void> {
    this.secrets.set(account, secret);
  }

  async delete(account: string): Promise<void> {
    this.secrets.delete(account);
  }
}
