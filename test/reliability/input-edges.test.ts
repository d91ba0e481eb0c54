/**
 * Issue 10 §7: input and database edges, through the CLI as a person runs it. Bad input gets a
 * clear error naming what is wrong, and the outbox loses nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../../core/paths.ts';
import { runCliProcess } from '../support/cli-process.ts';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-edges-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('CSV in the encoding Windows wrote it', () => {
  it('invalid UTF-8 is refused naming the line, nothing queued; --encoding windows-1252 reads it right', async () => {
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir };
    const file = path.join(dir, 'orders.csv');
    // "café" and "Müller" as Excel on a Western European Windows saves them
    fs.writeFileSync(file, Buffer.concat([Buffer.from('order,DeliveryAddressName\r\nSO-000001,caf'), Buffer.from([0xe9]), Buffer.from('\r\nSO-000002,M'), Buffer.from([0xfc]), Buffer.from('ller\r\n')]));
    const refused = await runCliProcess(['import', file], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${file}:2: the file is not valid UTF-8 (byte 0xE9)`);
    expect(refused.stderr).toMatch(/--encoding windows-1252/);
    expect(JSON.parse((await runCliProcess(['status', '--json'], env)).stdout)).toMatchObject({ pending: 0 });

    const read = await runCliProcess(['import', file, '--encoding', 'windows-1252'], env);
    expect(read.code, read.stderr).toBe(0);
    const list = JSON.parse((await runCliProcess(['list', '--json'], env)).stdout) as { orderNumber: string; fields: Record<string, string> }[];
    expect(list.map((u) => u.fields.DeliveryAddressName).sort()).toEqual(['Müller', 'café']);
  });
});

describe('order numbers that only look right', () => {
  it('bidi controls and zero-width characters are refused; text is NFC-normalised', async () => {
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir };
    for (const order of ['SO-\u202e1000', 'SO-10\u200b00', '\ufeffSO-1000', 'SO-1000\u2066']) {
      const r = await runCliProcess(['enqueue', order, 'DeliveryModeCode=AIR'], env);
      expect(r.code, JSON.stringify(order)).toBe(2);
      expect(r.stderr).toMatch(/contains an invisible character \(a direction mark or zero-width space\); type it again/);
    }
    // "é" typed as e + combining accent and as one character is the same order
    expect((await runCliProcess(['enqueue', 'SO-Caf\u0065\u0301', 'DeliveryModeCode=AIR'], env)).code).toBe(0);
    const second = await runCliProcess(['enqueue', 'SO-Caf\u00e9', 'DeliveryModeCode=SEA'], env);
    expect(second.stderr).toMatch(/merged into the earlier pending update 1/);
    const [u] = JSON.parse((await runCliProcess(['list', '--json'], env)).stdout) as { orderNumber: string }[];
    expect(u!.orderNumber).toBe('SO-Caf\u00e9');
  });
});

describe('a damaged outbox moved aside', () => {
  it('is told by every command until a person acknowledges it', async () => {
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir };
    fs.writeFileSync(databaseFile(dir), 'this is not a database');
    const first = await runCliProcess(['status'], env);
    expect(first.stderr).toMatch(/outbox: notice: The outbox database .* was damaged and has been moved aside to .*\(outbox notices --ack 1 once dealt with\)/);
    expect(fs.readdirSync(dir).some((f) => f.startsWith('outbox.sqlite.corrupt-'))).toBe(true);
    // not only once: the next command still says it
    expect((await runCliProcess(['list'], env)).stderr).toMatch(/was damaged and has been moved aside/);
    const ack = await runCliProcess(['notices', '--ack', '1'], env);
    expect(ack.code).toBe(0);
    expect((await runCliProcess(['status'], env)).stderr).not.toMatch(/notice/);
  });
});

describe('an export killed half-way', () => {
  it('leaves a temporary file that the next export of the same file removes', async () => {
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir };
    const out = path.join(dir, 'conflicts.csv');
    // what an export killed mid-write leaves: its own temporary file (pid of a process long gone), and an older one
    fs.writeFileSync(`${out}.999999.tmp`, 'half an export');
    fs.writeFileSync(`${out}.tmp`, 'half an export from an older version');
    const r = await runCliProcess(['conflicts', 'export', '--format', 'csv', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    // nothing matched, so no file either: only the leftovers are gone
    expect(r.stderr).toMatch(/0 conflicts match; nothing was written/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('conflicts.csv'))).toEqual([]);
  });
});
