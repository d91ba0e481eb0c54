/**
 * The background integrity check of a large outbox always settles: a process awaiting it gets
 * its answer (not "Detected unsettled top-level await", exit 13), a worker that ends without
 * answering settles it with that as a problem, and a check nobody waits for never keeps a
 * process alive.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkIntegrityInWorker } from '../../../core/outbox/database.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { input, tempDir } from './fixtures.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUTBOX = fileURLToPath(new URL('../../../core/outbox/outbox.ts', import.meta.url));
const DATABASE = fileURLToPath(new URL('../../../core/outbox/database.ts', import.meta.url));

/** Runs an ES module in a plain Node process (no test runner keeping the event loop busy). */
function runNode(source: string, args: string[], boundMs = 20_000): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const script = path.join(tempDir(), 'script.mjs');
  fs.writeFileSync(script, source);
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    // A process that never exits is the failure under test: end it, and say so.
    const bound = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.on('exit', (code, signal) => {
      clearTimeout(bound);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function smallOutbox(): string {
  const file = path.join(tempDir(), 'outbox.sqlite');
  const o = Outbox.open(file);
  o.enqueueMany(Array.from({ length: 200 }, (_, i) => input(`SO-${i}`, { DeliveryModeCode: 'AIR' })));
  o.close();
  return file;
}

describe('the integrity check that runs after open', () => {
  it('gives its answer to a script that awaits it at top level, and the script exits 0', async () => {
    const file = smallOutbox();
    // syncCheckBytes 0: this small file is checked the way a large one is, in the worker.
    const script = `
      const { Outbox } = await import(${JSON.stringify(OUTBOX)});
      const outbox = Outbox.open(process.argv[2], { syncCheckBytes: 0 });
      const problems = await outbox.integrity;
      outbox.close();
      console.log(JSON.stringify({ problems }));`;
    const run = await runNode(script, [file]);
    expect(run.stderr).not.toContain('unsettled top-level await');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ problems: [] });
  });

  it('settles with a problem when the worker ends without an answer', async () => {
    const file = smallOutbox();
    const silent = new URL('data:text/javascript,process.exit(3)');
    const problems = await checkIntegrityInWorker(file, silent);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/integrity check stopped before it finished.*exit code 3/);
  });

  it('settles with a problem when the worker fails', async () => {
    const file = smallOutbox();
    const failing = new URL('data:text/javascript,throw new Error("no sqlite here")');
    const problems = await checkIntegrityInWorker(file, failing);
    expect(problems).toEqual(['the integrity check could not run: no sqlite here']);
  });

  it('does not keep a process alive that never asks for the answer', async () => {
    const file = smallOutbox();
    // A check that would never finish: the process must still end when its own work is done.
    const script = `
      const { checkIntegrityInWorker } = await import(${JSON.stringify(DATABASE)});
      checkIntegrityInWorker(process.argv[2], new URL('data:text/javascript,setInterval(() => {}, 1000)'));
      console.log('done');`;
    const run = await runNode(script, [file]);
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('done');
  });

  it('is part of the production build, and the built worker runs', async () => {
    // The worker is loaded by URL, not imported, so the compiler only emits it if the build names
    // it. Built inside the project, where node_modules resolves.
    fs.mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    const out = fs.mkdtempSync(path.join(ROOT, 'test-artifacts', 'build-check-'));
    try {
      const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', out, '--noCheck'], { encoding: 'utf8' });
      expect(tsc.stdout + tsc.stderr).toBe('');
      const built = path.join(out, 'core', 'outbox', 'integrity-worker.js');
      expect(fs.existsSync(built)).toBe(true);
      expect(await checkIntegrityInWorker(smallOutbox(), pathToFileURL(built))).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
