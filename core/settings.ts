import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { badInput } from './errors.ts';

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

const text = (max: number) => z.string().trim().min(1).max(max);

export const ConnectionSchema = z.object({
  profile: z.enum(['fo', 'bc']),
  /** https://contoso.operations.dynamics.com (F&O) or the BC API host */
  environmentUrl: text(500),
  /** overrides the OData root (BC: https://api.businesscentral.dynamics.com/v2.0/<tenant>/<env>/api/v2.0) */
  serviceRoot: text(500).optional(),
  tenant: text(200),
  clientId: text(200),
  authorityUrl: text(500).default('https://login.microsoftonline.com'),
  scope: text(500).optional(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const PreferencesSchema = z.object({
  defaultCompany: text(64).default('USMF'),
  retryLimit: z.number().int().min(0).max(10).default(3),
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

  connection(): Connection | null {
    const raw = this.read('connection');
    if (raw === null) return null;
    const parsed = ConnectionSchema.safeParse(raw);
    return parsed.success ? parsed.data : null;
  }

  setConnection(value: Connection | null): Connection | null {
    if (value === null) {
      this.db.prepare(`DELETE FROM settings WHERE key = 'connection'`).run();
      return null;
    }
    const c = ConnectionSchema.parse(value);
    vetServiceUrl(c.environmentUrl, 'environment URL');
    vetServiceUrl(c.authorityUrl, 'authority URL');
    if (c.serviceRoot) vetServiceUrl(c.serviceRoot, 'service root');
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
    return row ? (JSON.parse(row.value) as unknown) : null;
  }

  private write(key: string, value: unknown): void {
    this.db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, JSON.stringify(value));
  }
}
