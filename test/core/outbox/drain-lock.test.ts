import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOutboxError, type OutboxError } from '../../../core/errors.ts';
import { acquireDrainLock } from '../../../core/outbox/drain-lock.ts';
import { tempDir } from './fixtures.ts';

const CHILD = path.join(import.meta.dirname, 'drain-lock-child.ts');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Another process holding the lock, as a second agent on the same outbox would. */
async function holder(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child never took the lock')), 15_000);
    let err = '';
    child.stderr!.on('data', (d) => (err += String(d)));
    child.stdout!.on('data', (d) => {
      if (String(d).includes('locked')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the child exited (${code}): ${err}`));
    });
  });
  return child;
}

function lockError(file: string): OutboxError {
  try {
    acquireDrainLock(file)();
  } catch (e) {
    if (isOutboxError(e)) return e;
    throw e;
  }
  throw new Error('the lock was granted');
}

describe('acquireDrainLock: one drainer per outbox', () => {
  it('refuses a second process while the first holds it, naming it; a SIGKILL frees it', { timeout: 30_000 }, async () => {
    const file = path.join(tempDir(), 'outbox.sqlite');
    const child = await holder(file);
    const e = lockError(file);
    expect(e.code).toBe('DB_LOCKED');
    expect(e.message).toMatch(new RegExp(`^Another Outbox Agent \\(pid ${child.pid} on ${os.hostname()}, since \\d{4}-\\d\\d-\\d\\dT.*\\) is already sending this outbox\\. Stop it first`));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // the OS dropped the dead process's file lock: no stale lock, whatever its note still says
    const release = acquireDrainLock(file);
    expect(JSON.parse(fs.readFileSync(`${file}.drainer.json`, 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    release();
  });

  it('within one process: held until released, then free again; releasing twice is harmless', () => {
    const file = path.join(tempDir(), 'outbox.sqlite');
    const release = acquireDrainLock(file);
    expect(lockError(file).code).toBe('DB_LOCKED');
    release();
    release();
    expect(fs.existsSync(`${file}.drainer.json`)).toBe(false);
    acquireDrainLock(file)();
  });

  it('without a readable note the refusal still says what to do', () => {
    const file = path.join(tempDir(), 'outbox.sqlite');
    const release = acquireDrainLock(file);
    fs.writeFileSync(`${file}.drainer.json`, 'not json');
    expect(lockError(file).message).toBe('Another Outbox Agent is already sending this outbox. Stop it first, or queue updates and let it send them.');
    release();
  });

  it('a lock file of the earlier format (a PID in a text file) means nothing and is removed', () => {
    const file = path.join(tempDir(), 'outbox.sqlite');
    fs.writeFileSync(`${file}.drain-lock`, String(process.pid));
    const release = acquireDrainLock(file);
    expect(fs.existsSync(`${file}.drain-lock`)).toBe(false);
    release();
  });

  it('a folder it cannot write is DB_OPEN_FAILED naming the lock file, not a lock held by someone', () => {
    const e = lockError(path.join(tempDir(), 'no-such-folder', 'outbox.sqlite'));
    expect(e.code).toBe('DB_OPEN_FAILED');
    expect(e.message).toMatch(/no-such-folder\/outbox\.sqlite\.drainer/);
  });

  it('an in-memory outbox needs no lock', () => {
    const a = acquireDrainLock(':memory:');
    const b = acquireDrainLock(':memory:');
    a();
    b();
  });
});
