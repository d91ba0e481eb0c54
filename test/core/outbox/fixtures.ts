import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { isOutboxError } from '../../../core/errors.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { checkUpdate, type CheckedUpdate, type UpdateInput } from '../../../core/outbox/update-input.ts';

const dirs: string[] = [];
const outboxes: Outbox[] = [];

afterEach(() => {
  for (const o of outboxes.splice(0)) o.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-test-'));
  dirs.push(dir);
  return dir;
}

/** A clock the test moves by hand, so ordering by time is deterministic. */
export function manualClock(start = Date.UTC(2026, 10, 22, 8, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    tick: (ms = 1) => {
      t += ms;
      return t;
    },
    set: (at: number) => {
      t = at;
    },
  };
}

/** An outbox on a real SQLite file in a fresh temp dir, closed after the test. */
export function openTestOutbox(options: { now?: () => number; busyTimeoutMs?: number } = {}) {
  const file = path.join(tempDir(), 'outbox.sqlite');
  const outbox = Outbox.open(file, options);
  outboxes.push(outbox);
  return { outbox, file };
}

export function track(outbox: Outbox): Outbox {
  outboxes.push(outbox);
  return outbox;
}

/** A checked update, as the outbox takes it; a bad one throws BAD_INPUT here. */
export function input(orderNumber: string, fields: UpdateInput['fields'], extra: Partial<UpdateInput> = {}): CheckedUpdate {
  return checkUpdate({ company: 'USMF', orderNumber, fields, source: 'cli', queuedBy: 'tester@host', ...extra });
}

/** The message of the BAD_INPUT error `fn` throws; fails when it accepts. */
export function badInputMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(isOutboxError(e) && e.code).toBe('BAD_INPUT');
    return (e as Error).message;
  }
  throw new Error('expected BAD_INPUT');
}
