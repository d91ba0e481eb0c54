import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { REQUEST_LINE_FORMS } from './d365/batch-settings.ts';
import { PROFILE_NAMES } from './d365/profile.ts';
import { badInput } from './errors.ts';
import { DEFAULT_COMPANY } from './outbox/update-input.ts';

/** Only http://127.0.0.1 / localhost may be plain HTTP (the simulator); everything else https. */
export function vetServiceUrl(value: string, what: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw badInput(`${what} ${JSON.stringify(value)} is not a URL`);
  }
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw badInput(`${what} must use https:// (plain http is only allowed for 127.0.0.1): ${JSON.stringify(value)}`);
  }
  if (u.username || u.password) throw badInput(`${what} must not carry a user name or password`);
  if (u.search || u.hash) throw badInput(`${what} must not have a query or fragment`);
  return u.toString().replace(/\/+$/, '');
}

/** Microsoft Entra ID's global sign-in; sovereign clouds and tests set their own. */
export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';

/** How many times a lost ETag race is retried within one pass (Settings). */
export const RETRY_LIMIT_RANGE = { min: 0, max: 10, default: 3 } as const;

const text = (max: number) => z.string().trim().min(1).max(max);

/** What the connection learned about its server's $batch (see BatchSettings), or an admin's limit. */
export const BatchSettingsSchema = z.object({
  requestLines: z.enum(REQUEST_LINE_FORMS).optional(),
  maxOperations: z.number().int().min(1).max(5000).optional(),
  singleRequestsUntil: z.number().int().nonnegative().optional(),
});

export const ConnectionSchema = z.object({
  profile: z.enum(PROFILE_NAMES),
  /** https://contoso.operations.dynamics.com (F&O) or the BC API host */
  environmentUrl: text(500),
  /** overrides the OData root (BC: https://api.businesscentral.dynamics.com/v2.0/<tenant>/<env>/api/v2.0) */
  serviceRoot: text(500).optional(),
  tenant: text(200),
  clientId: text(200),
  authorityUrl: text(500).default(DEFAULT_AUTHORITY),
  scope: text(500).optional(),
  batch: BatchSettingsSchema.optional(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

/** Parses a connection as it would be stored; throws BAD_INPUT naming what is wrong. */
export function checkConnection(value: unknown): Connection {
  const parsed = ConnectionSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(`connection${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  const c = parsed.data;
  vetServiceUrl(c.environmentUrl, 'environment URL');
  vetServiceUrl(c.authorityUrl, 'authority URL');
  if (c.serviceRoot) vetServiceUrl(c.serviceRoot, 'service root');
  return c;
}

/** A stored connection: valid, missing, or there but unusable (with what to do about it). */
export type StoredConnection =
  | { kind: 'none' }
  | { kind: 'valid'; connection: Connection }
  | { kind: 'invalid'; problem: string };

const FIX = 'Run `outbox connect …` again, or correct it in Settings.';

export const PreferencesSchema = z.object({
  defaultCompany: text(64).default(DEFAULT_COMPANY),
  retryLimit: z.number().int().min(RETRY_LIMIT_RANGE.min).max(RETRY_LIMIT_RANGE.max).default(RETRY_LIMIT_RANGE.default),
  startAtLogin: z.boolean().default(false),
  /** the UI's language; 'auto' follows the OS/browser (navigator.languages) */
  language: z.enum(['auto', 'en', 'de']).default('auto'),
});
export type Preferences = z.infer<typeof PreferencesSchema>;

/** Connection settings and preferences; the client secret is never here (keychain only). */
export class Settings {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** The usable connection, or null when there is none or it cannot be used (see stored()). */
  connection(): Connection | null {
    const s = this.stored();
    return s.kind === 'valid' ? s.connection : null;
  }

  /** The stored connection as it is; a damaged row says which setting is wrong and how to fix it. */
  stored(): StoredConnection {
    const row = this.db.prepare(`SELECT value FROM settings WHERE key = 'connection'`).get() as { value: string } | undefined;
    if (!row) return { kind: 'none' };
    let raw: unknown;
    try {
      raw = JSON.parse(row.value);
    } catch {
      return { kind: 'invalid', problem: `The saved D365 connection cannot be read (its settings entry is not valid JSON). ${FIX}` };
    }
    const parsed = ConnectionSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const name = issue.path.join('.') || 'connection';
      const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
      const shown = value === undefined ? 'missing' : JSON.stringify(value).slice(0, 80);
      return { kind: 'invalid', problem: `The saved D365 connection is not valid: setting "${name}" is ${shown} (${issue.message}). ${FIX}` };
    }
    for (const [name, url] of [['environmentUrl', parsed.data.environmentUrl], ['authorityUrl', parsed.data.authorityUrl], ['serviceRoot', parsed.data.serviceRoot]] as const) {
      if (url === undefined) continue;
      try {
        vetServiceUrl(url, name);
      } catch (e) {
        return { kind: 'invalid', problem: `The saved D365 connection is not valid: setting "${name}": ${(e as Error).message}. ${FIX}` };
      }
    }
    return { kind: 'valid', connection: parsed.data };
  }

  setConnection(value: Connection | null): Connection | null {
    if (value === null) {
      this.db.prepare(`DELETE FROM settings WHERE key = 'connection'`).run();
      return null;
    }
    const c = checkConnection(value);
    this.write('connection', c);
    return c;
  }

  preferences(): Preferences {
    const parsed = PreferencesSchema.safeParse(this.read('preferences') ?? {});
    return parsed.success ? parsed.data : PreferencesSchema.parse({});
  }

  setPreferences(patch: Partial<Preferences>): Preferences {
    const next = PreferencesSchema.parse({ ...this.preferences(), ...patch });
    this.write('preferences', next);
    return next;
  }

  private read(key: string): unknown {
    const row = this.db.prepare(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | undefined;
    if (!row) return null;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return null;
    }
  }

  /** A demo outbox says so, and a real agent refuses to open it (and the reverse). */
  isDemo(): boolean {
    return this.read('demo') === true;
  }

  markDemo(): void {
    this.write('demo', true);
  }

  private write(key: string, value: unknown): void {
    this.db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, JSON.stringify(value));
  }
}
