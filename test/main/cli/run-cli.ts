import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../../main/cli/outbox.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** runCli in-process with captured streams; the environment holds only what the test gives. */
export async function runOutbox(argv: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  const code = await runCli(argv, {
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout,
    stderr,
    env: { OUTBOX_USER: 'tester@desk', ...options.env },
  });
  await new Promise((r) => setImmediate(r));
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
