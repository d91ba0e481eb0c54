import { OutboxError } from './errors.ts';

/** Where the D365 client secret lives: the OS keychain, or memory. Never SQLite or logs. */
export interface SecretStore {
  readonly kind: string;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<void>;
}

export const KEYCHAIN_SERVICE = 'Outbox Agent';

/** The account name a connection's secret is filed under in the keychain. */
export function secretAccount(c: { tenant: string; clientId: string }): string {
  return `${c.tenant}/${c.clientId}`;
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
