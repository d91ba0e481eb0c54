import type { ParseArgsConfig } from 'node:util';
import type { Agent } from '../../core/agent.ts';
import type { AgentApi } from '../../core/api.ts';
import type { SecretSource } from '../../core/secrets.ts';

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface CliContext {
  /** the command's name as typed, for messages */
  command: string;
  io: CliIo;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** --data-dir or OUTBOX_DATA_DIR was given (not the per-user default) */
  dataDirChosen: boolean;
  databaseFile: string;
  /**
   * The agent of the data folder without a D365 link (nothing is sent, the keychain is not
   * read), opened on first use and closed by runCli, so `help` never touches the database.
   */
  agent(): Promise<Agent>;
  /** the contract of that agent: every queue command goes through it, as the UI's do */
  api(): Promise<AgentApi>;
  /** OUTBOX_CLIENT_SECRET or the keychain, read (and the variable removed) once */
  secretSource(): SecretSource;
  out(text: string): void;
  err(text: string): void;
  /** who queued an update: OUTBOX_USER, else user@host */
  queuedBy(): string;
  /** OUTBOX_COMPANY, when set; else the agent uses the saved preference (USMF by default) */
  company(): string | undefined;
}

export interface Command {
  /** the synopsis after `outbox `, e.g. `hold ID` */
  usage: string;
  /** one line for the command list */
  summary: string;
  /** more lines for `outbox help CMD` */
  details?: string;
  options: OptionsConfig;
  run(ctx: CliContext, args: Parsed): Promise<number | void> | number | void;
}

/** Wrong arguments: reported with the command's usage line, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export { queuedBy } from '../../core/paths.ts';

export function flag(args: Parsed, name: string): boolean {
  return args.values[name] === true;
}

export function str(args: Parsed, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function strings(args: Parsed, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export function parseId(value: string | undefined): number {
  if (value === undefined) throw new UsageError('an update ID is required');
  if (!/^[1-9]\d{0,15}$/.test(value)) throw new UsageError(`${JSON.stringify(value)} is not an update ID (a positive whole number)`);
  return Number(value);
}

export function parseCount(value: string, what: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`${what} ${JSON.stringify(value)} must be a whole number from 1 to ${max}`);
  }
  return Number(value);
}

/** Writes respecting backpressure, so a huge export to a slow pipe stays bounded in memory. */
export async function write(stream: NodeJS.WritableStream, chunk: string | Uint8Array): Promise<void> {
  if (stream.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (e?: unknown) => {
      stream.off('drain', done);
      stream.off('error', done);
      if (e) reject(e);
      else resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}
