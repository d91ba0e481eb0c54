import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { readCsv } from '../../../core/csv/csv.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { checkUpdate } from '../../../core/outbox/update-input.ts';
import { databaseFile } from '../../../core/paths.ts';
import { BIN } from '../../support/cli-process.ts';
import { runOutbox } from './run-cli.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-cli-export-'));
  dirs.push(dir);
  return dir;
}

/** Conflicts detected at the given UTC times, one per order, through the outbox itself. */
function withConflicts(dir: string, conflicts: { order: string; at: number; theirs?: string }[]): void {
  let now = 0;
  const outbox = Outbox.open(databaseFile(dir), { now: () => now });
  try {
    for (const c of conflicts) {
      now = c.at;
      const { id } = outbox.enqueue(checkUpdate({ company: 'USMF', orderNumber: c.order, fields: { CustomerName: `ours ${c.order}` }, source: 'cli', queuedBy: 'me' }));
      outbox.claim(id);
      outbox.markConflict(id, [{ field: 'CustomerName', base: 'before', ours: `ours ${c.order}`, theirs: c.theirs ?? 'theirs' }], 'W/"1"');
    }
  } finally {
    outbox.close();
  }
}

const day = (d: number, h = 12) => Date.UTC(2026, 10, d, h, 0, 0);

describe('outbox conflicts export', () => {
  it('filters like the conflict log screen: --since, --until (exclusive), --order anywhere in any case', async () => {
    const dir = tempDir();
    withConflicts(dir, [
      { order: 'SO-1150', at: day(20) },
      { order: 'SO-2119999', at: day(21) },
      { order: 'XSO-1151', at: day(22), theirs: 'Müller GmbH' },
    ]);
    const orders = async (...args: string[]) => {
      const r = await runOutbox(['--data-dir', dir, 'conflicts', 'export', '--format', 'json', ...args]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout ? (JSON.parse(r.stdout) as { orderNumber: string }[]).map((c) => c.orderNumber) : r.stderr;
    };
    expect(await orders()).toEqual(['SO-1150', 'SO-2119999', 'XSO-1151']);
    expect(await orders('--until', '2026-11-21')).toEqual(['SO-1150']);
    expect(await orders('--since', '2026-11-21', '--until', '2026-11-22')).toEqual(['SO-2119999']);
    expect(await orders('--order', 'so-115')).toEqual(['SO-1150', 'XSO-1151']);
    expect(await orders('--order', '119999')).toEqual(['SO-2119999']);
    expect(await orders('--order', 'müller')).toEqual(['XSO-1151']);
    expect(await orders('--order', 'SO-115', '--since', '2026-11-21')).toEqual(['XSO-1151']);
    expect(await orders('--order', 'nothing')).toBe('outbox: 0 conflicts match; nothing was written\n');
  });

  it('an export of nothing says "0 conflicts match", exits 0 and creates no file', async () => {
    const dir = tempDir();
    for (const format of ['csv', 'json', 'xlsx']) {
      const out = path.join(dir, `empty.${format}`);
      const r = await runOutbox(['--data-dir', dir, 'conflicts', 'export', '--format', format, '--out', out]);
      expect(r, format).toEqual({ code: 0, stdout: '', stderr: 'outbox: 0 conflicts match; nothing was written\n' });
      expect(fs.existsSync(out), format).toBe(false);
    }
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('empty'))).toEqual([]);
  });

  it('writes XLSX with dates on the clock of --time-zone (default: TZ, this computer’s zone)', async () => {
    const dir = tempDir();
    withConflicts(dir, [{ order: 'SO-1', at: Date.UTC(2026, 10, 22, 8, 0, 0), theirs: '+1-555-0100' }]);
    const detected = async (file: string) => {
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(fs.readFileSync(file) as unknown as ArrayBuffer);
      const sheet = book.getWorksheet('conflicts')!;
      const header = (sheet.getRow(1).values as string[]).slice(1);
      const row = sheet.getRow(2);
      expect(row.getCell(header.indexOf('theirs') + 1).value).toBe('+1-555-0100');
      return (row.getCell(header.indexOf('detectedAt') + 1).value as Date).toISOString();
    };
    const out = path.join(dir, 'log.xlsx');
    const r = await runOutbox(['--data-dir', dir, 'conflicts', 'export', '--format', 'xlsx', '--out', out, '--time-zone', 'Asia/Kolkata']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: `outbox: 1 conflict written to ${out}\n` });
    expect(await detected(out)).toBe('2026-11-22T13:30:00.000Z');
    expect((await runOutbox(['--data-dir', dir, 'conflicts', 'export', '--format', 'xlsx', '--out', out], { env: { TZ: 'America/New_York' } })).code).toBe(0);
    expect(await detected(out)).toBe('2026-11-22T03:00:00.000Z');

    const bad = await runOutbox(['--data-dir', dir, 'conflicts', 'export', '--format', 'xlsx', '--out', path.join(dir, 'x.xlsx'), '--time-zone', 'Mars/Olympus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--time-zone: time zone "Mars\/Olympus" is not an IANA time zone like Europe\/Berlin or a UTC offset like \+05:30/);
    expect(fs.existsSync(path.join(dir, 'x.xlsx'))).toBe(false);
    for (const argv of [['--format', 'xls'], ['--format', 'csv', '--until', 'next week']]) {
      const r2 = await runOutbox(['--data-dir', dir, 'conflicts', 'export', ...argv]);
      expect(r2.code, argv.join(' ')).toBe(2);
    }
    expect((await runOutbox(['--data-dir', dir, 'conflicts', 'export', '--format', 'xls'])).stderr).toMatch(/must be one of csv, json, xlsx/);
  });

  it('`… | head` ends quietly: exit 0, nothing on stderr', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    // enough rows that the export is many times a pipe's buffer
    withConflicts(dir, Array.from({ length: 3000 }, (_, i) => ({ order: `SO-${String(i).padStart(6, '0')}-${'x'.repeat(40)}`, at: day(1) + i })));
    for (const format of ['csv', 'json']) {
      const child = spawn('bash', ['-c', `"${process.execPath}" "${BIN}" --data-dir "${dir}" conflicts export --format ${format} | head -n 3; echo "exit=\${PIPESTATUS[0]}" >&2`], {
        env: { PATH: process.env.PATH, HOME: dir, OUTBOX_USER: 'me@desk' },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      await new Promise((resolve) => child.on('close', resolve));
      expect(out.split('\n').filter(Boolean), format).toHaveLength(3);
      expect(err, format).toBe('exit=0\n');
    }
  });

  it('CSV to standard output keeps the BOM, the column names and the guard', async () => {
    const dir = tempDir();
    withConflicts(dir, [{ order: 'SO-1', at: day(22), theirs: '=HYPERLINK("http://x","y")' }]);
    const r = await runOutbox(['--data-dir', dir, 'conflicts', 'export', '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('\ufeffid,updateId,profile,company,orderNumber,field,base,ours,theirs,etag,detectedAt,resolution,resolvedAt,resolvedBy\r\n')).toBe(true);
    const [, row] = [...readCsv(r.stdout)].map((x) => x.cells);
    expect(row![8]).toBe(`'=HYPERLINK("http://x","y")`);
  });
});

describe('outbox list --search', () => {
  it('finds anywhere in any case and says how many match', async () => {
    const dir = tempDir();
    const outbox = Outbox.open(databaseFile(dir));
    try {
      for (const [order, name] of [['SO-1150', 'Contoso'], ['SO-2119999', 'Müller GmbH'], ['SO-7', 'müller AG']] as const) {
        outbox.enqueue(checkUpdate({ company: 'USMF', orderNumber: order, fields: { CustomerName: name }, source: 'cli', queuedBy: 'me' }));
      }
    } finally {
      outbox.close();
    }
    const list = async (term: string) => {
      const r = await runOutbox(['--data-dir', dir, 'list', '--search', term, '--json']);
      return { orders: (JSON.parse(r.stdout) as { orderNumber: string }[]).map((u) => u.orderNumber), said: r.stderr };
    };
    expect(await list('so-1150')).toEqual({ orders: ['SO-1150'], said: 'outbox: 1 update matches\n' });
    expect(await list('119999')).toEqual({ orders: ['SO-2119999'], said: 'outbox: 1 update matches\n' });
    expect(await list('MÜLLER')).toEqual({ orders: ['SO-7', 'SO-2119999'], said: 'outbox: 2 updates match\n' });
    expect(await list('nobody')).toEqual({ orders: [], said: 'outbox: 0 updates match\n' });
  });
});
