import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/outbox.js');

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  readonly pid: number;
  /** everything printed so far */
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly done: Promise<ProcessRun>;
  kill(signal?: NodeJS.Signals): void;
}

/** `outbox …` as a real process, as a person runs it; the environment holds only what is given. */
export function startCli(argv: string[], env: NodeJS.ProcessEnv = {}, stdin?: string, timeoutMs = 60_000): CliProcess {
  const child = spawn(process.execPath, [BIN, ...argv], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OUTBOX_USER: 'desk@test', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  child.stdin.end(stdin ?? '');
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<ProcessRun>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return { pid: child.pid!, stdout: () => out, stderr: () => err, done, kill: (s = 'SIGTERM') => void child.kill(s) };
}

export function runCliProcess(argv: string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<ProcessRun> {
  return startCli(argv, env, stdin).done;
}

/** Polls until the predicate holds; fails with what it is waiting for after ms. */
export async function waitFor(what: string, predicate: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
