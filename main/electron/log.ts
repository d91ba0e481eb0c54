/**
 * The app's log: a size-rotated file in the OS log folder. Every line passes through `redact`,
 * which knows the secrets seen at runtime and the shapes secrets come in, so none is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';

export const REDACTED = '[redacted]';

const SHAPES: [RegExp, string][] = [
  // Authorization headers and bearer tokens
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // form and query encodings: client_secret=…, access_token=…, password=…
  [/\b(client_secret|access_token|refresh_token|id_token|password|secret|token)=([^&\s"']+)/gi, `$1=${REDACTED}`],
  // JSON: "client_secret": "…", "secret":"…"
  [/("(?:client_secret|clientSecret|secret|access_token|accessToken|refresh_token|password|token)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, `$1"${REDACTED}"`],
  // JWTs wherever they appear
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
];

/** Removes known secret values and anything shaped like a secret. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const known = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const s of known) out = out.split(s).join(REDACTED);
  for (const [re, replacement] of SHAPES) out = out.replace(re, replacement);
  return out;
}

export type Level = 'info' | 'warn' | 'error';

export interface LogOptions {
  dir: string;
  file?: string;
  /** rotate when the file would grow past this */
  maxBytes?: number;
  /** rotated files kept besides the current one (main.log.1 … main.log.N) */
  keep?: number;
  now?: () => number;
}

export class RotatingLog {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly now: () => number;
  private readonly secrets = new Set<string>();
  private size: number;

  constructor(opts: LogOptions) {
    fs.mkdirSync(opts.dir, { recursive: true });
    this.file = path.join(opts.dir, opts.file ?? 'main.log');
    this.maxBytes = opts.maxBytes ?? 1024 * 1024;
    this.keep = Math.max(1, opts.keep ?? 5);
    this.now = opts.now ?? Date.now;
    this.size = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
  }

  /** A secret learned at runtime (from the keychain or the environment): never written from now on. */
  rememberSecret(secret: string): void {
    if (secret.length >= 4) this.secrets.add(secret);
  }

  info(...parts: unknown[]): void {
    this.write('info', parts);
  }

  warn(...parts: unknown[]): void {
    this.write('warn', parts);
  }

  error(...parts: unknown[]): void {
    this.write('error', parts);
  }

  write(level: Level, parts: unknown[]): void {
    const message = redact(format(...parts), this.secrets);
    const line = `${new Date(this.now()).toISOString()} ${level.toUpperCase().padEnd(5)} ${message.replace(/\r?\n/g, '\n    ')}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    // Synchronous on purpose: the last lines before a crash are the ones that matter.
    fs.appendFileSync(this.file, line, { mode: 0o600 });
    this.size += bytes;
  }

  /** main.log → main.log.1 → … → main.log.<keep>; the oldest falls off. */
  private rotate(): void {
    fs.rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      if (fs.existsSync(`${this.file}.${i}`)) fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    if (fs.existsSync(this.file)) fs.renameSync(this.file, `${this.file}.1`);
    this.size = 0;
  }
}
