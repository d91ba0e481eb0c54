/**
 * The exports as a person opens them: LibreOffice (headless) reads our XLSX and CSV, and
 * converts them to CSV (and the XLSX to flat ODS, to see each cell's type). Needs Debian's
 * libreoffice-calc-nogui (.ci/run installs it); without it this test fails saying so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../../core/csv/csv.ts';
import { CONFLICT_COLUMNS } from '../../../core/conflicts/conflict-log.ts';
import { exportConflicts } from '../../../core/conflicts/export.ts';
import { input, manualClock, openTestOutbox, tempDir } from '../outbox/fixtures.ts';

const CSV_UTF8 = 'Text - txt - csv (StarCalc):44,34,76,1';
const HYPERLINK = '=HYPERLINK("http://evil.example","click")';

function soffice(dir: string, args: string[]): void {
  const r = spawnSync('soffice', [`-env:UserInstallation=${pathToFileURL(path.join(dir, 'profile')).href}`, '--headless', ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 40_000,
    env: { ...process.env, HOME: dir },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('LibreOffice is missing: this test needs `soffice` (Debian: apt-get install libreoffice-calc-nogui, as .ci/run does)');
  }
  if (r.status !== 0) throw new Error(`soffice ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
}

function rowsOf(file: string): Record<string, string>[] {
  const [header, ...rows] = [...readCsv(fs.readFileSync(file, 'utf8'))].map((r) => r.cells);
  expect(header).toEqual([...CONFLICT_COLUMNS]);
  return rows.map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? ''])));
}

describe('LibreOffice opens the exports', () => {
  it('XLSX: text cells as typed, dates as dates on the viewer’s clock, ü ø 中 intact, =HYPERLINK inert; CSV: the same, guarded', { timeout: 60_000 }, async () => {
    const clock = manualClock(Date.UTC(2026, 10, 22, 8, 0, 0));
    const { outbox } = openTestOutbox({ now: clock.now });
    const { id } = outbox.enqueue(input('SO-Müller-1', { CustomerPhone: '+1-555-0100' }));
    outbox.claim(id);
    outbox.markConflict(id, [
      { field: 'CustomerPhone', base: 'Müller ø 中', ours: '+1-555-0100', theirs: HYPERLINK },
      { field: 'Qty', base: '007', ours: 42, theirs: null },
    ], 'W/"1"');

    const dir = tempDir();
    const xlsx = await exportConflicts(outbox.db, 'xlsx', {}, { timeZone: 'Europe/Berlin', now: clock.now() });
    const csv = await exportConflicts(outbox.db, 'csv');
    expect([xlsx.count, csv.count]).toEqual([2, 2]);
    fs.mkdirSync(path.join(dir, 'in'));
    fs.writeFileSync(path.join(dir, 'in', 'ours.xlsx'), xlsx.body);
    fs.writeFileSync(path.join(dir, 'in', 'ours.csv'), csv.body);
    expect([...csv.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    // A control: the same cell unguarded, to show LibreOffice would run it.
    fs.writeFileSync(path.join(dir, 'in', 'control.csv'), `${CONFLICT_COLUMNS.join(',')}\r\n1,1,fo,USMF,SO-1,F,,,"${HYPERLINK.replace(/"/g, '""')}",,,,,\r\n`);

    for (const out of ['xlsx-csv', 'xlsx-fods', 'csv-csv']) fs.mkdirSync(path.join(dir, out));
    soffice(dir, ['--convert-to', `csv:${CSV_UTF8}`, '--outdir', 'xlsx-csv', 'in/ours.xlsx']);
    soffice(dir, ['--convert-to', 'fods', '--outdir', 'xlsx-fods', 'in/ours.xlsx']);
    // CSV opened as UTF-8, as a person picks it in the import dialog
    soffice(dir, [`--infilter=${CSV_UTF8}`, '--convert-to', `csv:${CSV_UTF8}`, '--outdir', 'csv-csv', 'in/ours.csv', 'in/control.csv']);

    // XLSX as LibreOffice shows it
    const [phone, qty] = rowsOf(path.join(dir, 'xlsx-csv', 'ours.csv'));
    expect(phone).toMatchObject({ orderNumber: 'SO-Müller-1', field: 'CustomerPhone', base: 'Müller ø 中', ours: '+1-555-0100', theirs: HYPERLINK, detectedAt: '2026-11-22 09:00:00', resolvedAt: '' });
    expect(qty).toMatchObject({ base: '007', ours: '42', theirs: '' });
    // …and the types of its cells: a date, strings, no formula anywhere
    const fods = fs.readFileSync(path.join(dir, 'xlsx-fods', 'ours.fods'), 'utf8');
    expect(fods).toContain('office:value-type="date" office:date-value="2026-11-22T09:00:00"');
    expect(fods).not.toMatch(/table:formula=/);
    const cellOf = (text: string) => new RegExp(`<table:table-cell [^>]*office:value-type="(\\w+)"[^>]*>\\s*<text:p>${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</text:p>`).exec(fods)?.[1];
    expect(cellOf('+1-555-0100')).toBe('string');
    expect(cellOf('007')).toBe('string');
    expect(cellOf('=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)')).toBe('string');

    // CSV: the guard keeps the formula as text (the unguarded control is run: "click")
    const [csvPhone] = rowsOf(path.join(dir, 'csv-csv', 'ours.csv'));
    expect(csvPhone).toMatchObject({ orderNumber: 'SO-Müller-1', base: 'Müller ø 中', ours: `'+1-555-0100`, theirs: `'${HYPERLINK}`, detectedAt: '2026-11-22T08:00:00.000Z' });
    expect(rowsOf(path.join(dir, 'csv-csv', 'control.csv'))[0]!.theirs).toBe('click');
  });
});
