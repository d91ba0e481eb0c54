import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { input, tempDir } from './fixtures.ts';

const SCRIPT = new URL('../../../core/outbox/integrity-worker.ts', import.meta.url);

function check(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SCRIPT, { workerData: { file } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

function filled(rows: number): string {
  const file = path.join(tempDir(), 'outbox.sqlite');
  const outbox = Outbox.open(file);
  outbox.enqueueMany(Array.from({ length: rows }, (_, i) => input(`SO-${i}`, { SalesOrderName: 'x'.repeat(80) })));
  outbox.db.pragma('wal_checkpoint(TRUNCATE)');
  outbox.close();
  return file;
}

describe('the integrity worker (PRAGMA quick_check off the main thread)', () => {
  it('finds nothing wrong with a healthy outbox', async () => {
    expect(await check(filled(500))).toEqual([]);
  });

  it('reports damaged pages, at most five problems, and leaves the file as it was', async () => {
    const file = filled(3000);
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096 * 4, 0x5a), 0, 4096 * 4, Math.floor(size / 2 / 4096) * 4096);
    fs.closeSync(fd);
    const before = fs.readFileSync(file);
    const problems = await check(file);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.length).toBeLessThanOrEqual(5);
    expect(problems).not.toContain('ok');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('a file that is not there is reported, not created', async () => {
    const file = path.join(tempDir(), 'gone.sqlite');
    const problems = await check(file);
    expect(problems).toHaveLength(1);
    expect(fs.existsSync(file)).toBe(false);
  });
});
