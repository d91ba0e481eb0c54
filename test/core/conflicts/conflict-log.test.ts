import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { readCsv } from '../../../core/csv/csv.ts';
import { CONFLICT_COLUMNS, iterateConflicts, parseDateFilter } from '../../../core/conflicts/conflict-log.ts';
import { EXPORT_FORMATS, exportConflicts, type ExportFormat } from '../../../core/conflicts/export.ts';
import { parseTimeZone } from '../../../core/conflicts/time-zone.ts';
import type { Outbox } from '../../../core/outbox/outbox.ts';
import type { FieldValue } from '../../../core/outbox/types.ts';
import { input, manualClock, openTestOutbox } from '../outbox/fixtures.ts';

function conflict(outbox: Outbox, orderNumber: string, ours: FieldValue, theirs: FieldValue = 'Invoiced', base: FieldValue = 'Backorder', etag: string | null = 'W/"JzEsNTYzNzE0NDU3NjswLDA7Jw=="') {
  const { id } = outbox.enqueue(input(orderNumber, { SalesOrderStatus: ours }));
  outbox.claim(id);
  outbox.markConflict(id, [{ field: 'SalesOrderStatus', base, ours, theirs }], etag);
  return id;
}

type Row = Record<(typeof CONFLICT_COLUMNS)[number], string>;

async function text(outbox: Outbox, format: 'csv' | 'json', query = {}) {
  return (await exportConflicts(outbox.db, format, query)).body.toString('utf8');
}

function csvRows(csv: string): Row[] {
  expect(csv.startsWith('\ufeff')).toBe(true);
  const [header, ...rows] = [...readCsv(csv)].map((r) => r.cells);
  expect(header).toEqual([...CONFLICT_COLUMNS]);
  return rows.map((cells) => Object.fromEntries(CONFLICT_COLUMNS.map((c, i) => [c, cells[i]])) as Row);
}

async function sheetOf(body: Buffer, name = 'conflicts') {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(body as unknown as ArrayBuffer);
  const sheet = book.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  return sheet;
}

describe('conflict export', () => {
  it('neutralises formula cells in CSV and keeps raw values in JSON', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 22, 8, 0, 0));
    const { outbox } = openTestOutbox({ now: clock.now });
    const hostile = ['=HYPERLINK("http://x","y")', '+1+1', '-2', '@SUM(A1)', '\tTab', '\rCR'];
    for (const [i, h] of hostile.entries()) conflict(outbox, `SO-${i}`, h, h, h);
    conflict(outbox, '=cmd|" /C calc"!A0', 'ok');

    const csv = await text(outbox, 'csv');
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    const rows = csvRows(csv);
    expect(rows).toHaveLength(hostile.length + 1);
    for (const [i, h] of hostile.entries()) {
      expect(rows[i]).toMatchObject({ ours: `'${h}`, theirs: `'${h}`, base: `'${h}`, orderNumber: `SO-${i}` });
    }
    expect(rows.at(-1)?.orderNumber).toBe(`'=cmd|" /C calc"!A0`);
    // no cell an Excel user would open starts with a formula character
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);

    const json = JSON.parse(await text(outbox, 'json')) as Record<string, unknown>[];
    expect(json.map((c) => c.ours)).toEqual([...hostile, 'ok']);
    expect(json[0]).toEqual({
      id: 1,
      updateId: 1,
      profile: 'fo',
      company: 'USMF',
      orderNumber: 'SO-0',
      field: 'SalesOrderStatus',
      base: hostile[0],
      ours: hostile[0],
      theirs: hostile[0],
      etag: 'W/"JzEsNTYzNzE0NDU3NjswLDA7Jw=="',
      detectedAt: '2026-11-22T08:00:00.000Z',
      resolution: null,
      resolvedAt: null,
      resolvedBy: null,
    });
  });

  it('CSV, JSON and XLSX carry the same conflicts under the same column names, in the same order', async () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const a = conflict(outbox, 'SO-A', 'Delivered');
    clock.tick(1000);
    conflict(outbox, 'SO-B', 42, null, true, null);
    clock.tick(1000);
    outbox.resolve(a, { action: 'keep-mine' }, 'bob@desk');
    const jsonText = await text(outbox, 'json');
    const json = JSON.parse(jsonText) as Record<string, unknown>[];
    const rows = csvRows(await text(outbox, 'csv'));
    const sheet = await sheetOf((await exportConflicts(outbox.db, 'xlsx')).body);
    expect(json).toHaveLength(2);
    expect(rows).toHaveLength(2);
    expect(sheet.rowCount).toBe(3);
    // one set of names: the JSON keys (in order), the CSV header and the XLSX header
    expect(Object.keys(json[0]!)).toEqual([...CONFLICT_COLUMNS]);
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([...CONFLICT_COLUMNS]);
    json.forEach((j, i) => {
      const cell = (v: unknown) => (v === null ? '' : String(v));
      expect(rows[i]).toEqual(Object.fromEntries(CONFLICT_COLUMNS.map((k) => [k, cell(j[k])])));
    });
    expect(json[0]).toMatchObject({ resolution: 'keep-mine', resolvedBy: 'bob@desk', resolvedAt: new Date(clock.now()).toISOString() });
    // typed values survive JSON
    expect(json[1]).toMatchObject({ ours: 42, theirs: null, base: true, etag: null });
  });

  it('XLSX: dates are date cells on the viewer’s clock, values are text cells, nothing is a formula', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 22, 8, 0, 0));
    const { outbox } = openTestOutbox({ now: clock.now });
    const id = conflict(outbox, 'SO-Ü1', '+1-555-0100', '=HYPERLINK("http://evil.example","click")', 'Müller ø 中');
    conflict(outbox, '007', 42, '0042', '1e3');
    clock.set(Date.UTC(2026, 6, 1, 23, 30, 0));
    outbox.resolve(id, { action: 'take-theirs' }, 'ana@desk');

    const cases: [string | undefined, string, string][] = [
      // zone given, detected 2026-11-22T08:00Z, resolved 2026-07-01T23:30Z — as that viewer's clock reads
      ['Europe/Berlin', '2026-11-22T09:00:00.000Z', '2026-07-02T01:30:00.000Z'],
      ['Asia/Kolkata', '2026-11-22T13:30:00.000Z', '2026-07-02T05:00:00.000Z'],
      ['-08:00', '2026-11-22T00:00:00.000Z', '2026-07-01T15:30:00.000Z'],
      [undefined, '2026-11-22T08:00:00.000Z', '2026-07-01T23:30:00.000Z'],
    ];
    for (const [zone, detected, resolved] of cases) {
      const file = await exportConflicts(outbox.db, 'xlsx', {}, { timeZone: zone, now: clock.now() });
      expect(file.count).toBe(2);
      expect(file.body.subarray(0, 2).toString()).toBe('PK');
      const sheet = await sheetOf(file.body);
      const col = (name: string) => CONFLICT_COLUMNS.indexOf(name as never) + 1;
      const row = sheet.getRow(2);
      expect(row.getCell(col('detectedAt')).type).toBe(ExcelJS.ValueType.Date);
      expect((row.getCell(col('detectedAt')).value as Date).toISOString(), zone).toBe(detected);
      expect((row.getCell(col('resolvedAt')).value as Date).toISOString(), zone).toBe(resolved);
      expect(row.getCell(col('detectedAt')).numFmt).toBe('yyyy-mm-dd hh:mm:ss');
      expect((await sheetOf(file.body, 'export')).getRow(2).values).toEqual([undefined, 'timeZone', zone === undefined ? 'UTC' : zone]);
    }

    const sheet = await sheetOf((await exportConflicts(outbox.db, 'xlsx', {}, { timeZone: 'Europe/Berlin' })).body);
    const values = (r: number) => Object.fromEntries(CONFLICT_COLUMNS.map((k, i) => [k, sheet.getRow(r).getCell(i + 1)]));
    const first = values(2);
    expect(first.id!.value).toBe(1);
    expect(first.id!.type).toBe(ExcelJS.ValueType.Number);
    expect(first.ours!.value).toBe('+1-555-0100');
    expect(first.theirs!.value).toBe('=HYPERLINK("http://evil.example","click")');
    expect(first.base!.value).toBe('Müller ø 中');
    expect(first.orderNumber!.value).toBe('SO-Ü1');
    for (const k of ['ours', 'theirs', 'base', 'orderNumber', 'etag'] as const) {
      expect(first[k]!.type, k).toBe(ExcelJS.ValueType.String);
      expect(first[k]!.numFmt, k).toBe('@');
    }
    // numbers among the values stay as written, as text
    const second = values(3);
    expect([second.orderNumber!.value, second.ours!.value, second.theirs!.value, second.base!.value]).toEqual(['007', '42', '0042', '1e3']);
    expect(second.ours!.type).toBe(ExcelJS.ValueType.String);
    // an open conflict has empty resolution cells
    expect(second.resolvedAt!.value).toBeNull();
  });

  it('an export of nothing is count 0 with no body, in every format', async () => {
    const { outbox } = openTestOutbox();
    for (const format of EXPORT_FORMATS) expect(await exportConflicts(outbox.db, format), format).toMatchObject({ count: 0, body: Buffer.alloc(0) });
    conflict(outbox, 'SO-1', 'x');
    for (const format of EXPORT_FORMATS) {
      expect((await exportConflicts(outbox.db, format, { search: 'nothing like it' })).count, format).toBe(0);
      expect((await exportConflicts(outbox.db, format)).count, format).toBe(1);
    }
  });

  it('filters by since, until, search (any case, anywhere, values too) and open-only', () => {
    const clock = manualClock(Date.UTC(2026, 10, 20, 23, 59, 59));
    const { outbox } = openTestOutbox({ now: clock.now });
    const a = conflict(outbox, 'SO-1150-A', 'x', 'Müller GmbH');
    clock.set(Date.UTC(2026, 10, 21, 0, 0, 0));
    conflict(outbox, 'SO-B', '119999');
    clock.set(Date.UTC(2026, 10, 22, 12, 0, 0));
    conflict(outbox, 'so-c', 'x', 'y', 'Old base');
    outbox.resolve(a, { action: 'take-theirs' }, 'me');
    const orders = (q: Parameters<typeof iterateConflicts>[1]) => [...iterateConflicts(outbox.db, q)].map((c) => c.orderNumber);
    expect(orders({})).toEqual(['SO-1150-A', 'SO-B', 'so-c']);
    expect(orders({ since: '2026-11-21' })).toEqual(['SO-B', 'so-c']);
    expect(orders({ since: '2026-11-21T00:00:01Z' })).toEqual(['so-c']);
    expect(orders({ until: '2026-11-22' })).toEqual(['SO-1150-A', 'SO-B']);
    expect(orders({ search: 'so-1150' })).toEqual(['SO-1150-A']);
    expect(orders({ search: '1150' })).toEqual(['SO-1150-A']);
    expect(orders({ search: 'SO-C' })).toEqual(['so-c']);
    expect(orders({ search: 'so-' })).toEqual(['SO-1150-A', 'SO-B', 'so-c']);
    expect(orders({ search: 'MÜLLER' })).toEqual(['SO-1150-A']);
    expect(orders({ search: '119999' })).toEqual(['SO-B']);
    expect(orders({ search: 'old BASE' })).toEqual(['so-c']);
    expect(orders({ search: 'ü' })).toEqual(['SO-1150-A']);
    expect(orders({ search: '%' })).toEqual([]);
    expect(orders({ search: 'so-', until: '2026-11-22' })).toEqual(['SO-1150-A', 'SO-B']);
    expect(orders({ open: true })).toEqual(['SO-B', 'so-c']);
    expect(orders({ limit: 1 })).toEqual(['SO-1150-A']);
    expect(() => orders({ since: 'yesterday' })).toThrow(/--since "yesterday" is not an ISO date/);
  });

  it('parses ISO dates and refuses the rest', () => {
    expect(parseDateFilter('2026-11-22', 'x')).toBe(Date.UTC(2026, 10, 22));
    expect(parseDateFilter('2026-11-22T08:30:00+02:00', 'x')).toBe(Date.UTC(2026, 10, 22, 6, 30));
    for (const bad of ['22/11/2026', '2026-13-45', '2026-11-22 08:00', '', '1e12']) expect(() => parseDateFilter(bad, '--since')).toThrow(/--since/);
  });

  it('time zones: IANA names and UTC offsets; anything else is refused saying what is expected', () => {
    const at = Date.UTC(2026, 2, 29, 0, 30); // the night Europe/Berlin moves to summer time (at 01:00 UTC)
    expect(new Date(parseTimeZone('Europe/Berlin').wallClock(at)).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(parseTimeZone('Europe/Berlin').wallClock(at + 3_600_000)).toISOString()).toBe('2026-03-29T03:30:00.000Z');
    expect(new Date(parseTimeZone('America/St_Johns').wallClock(at)).toISOString()).toBe('2026-03-28T22:00:00.000Z'); // NDT, UTC-2:30
    expect(parseTimeZone('+05:30').wallClock(at) - at).toBe(5.5 * 3_600_000);
    expect(parseTimeZone('UTC-8').wallClock(at) - at).toBe(-8 * 3_600_000);
    expect(parseTimeZone('-0330').id).toBe('-03:30');
    for (const utc of [undefined, '', 'UTC', 'Z', 'gmt']) expect(parseTimeZone(utc).wallClock(at)).toBe(at);
    for (const bad of ['Mars/Olympus', '+25:00', '+05:99', 'Berlin', "'; DROP TABLE conflicts; --"]) {
      expect(() => parseTimeZone(bad), bad).toThrow(/is not an IANA time zone like Europe\/Berlin or a UTC offset like \+05:30/);
    }
  });

  it('odd order numbers survive enqueue → get → every export, and each is found by searching for itself', async () => {
    const { outbox } = openTestOutbox();
    const odd = ["O'Brien", "SO-1') or true or ('", 'SO/2025/0145', 'SO#12', 'SO 12 A', 'Ünïcødé', '注文-０１', 'a"b,c'];
    for (const o of odd) {
      const id = conflict(outbox, o, `value for ${o}`);
      expect(outbox.get(id)?.orderNumber).toBe(o);
    }
    expect(csvRows(await text(outbox, 'csv')).map((r) => r.orderNumber)).toEqual(odd);
    const json = JSON.parse(await text(outbox, 'json')) as { orderNumber: string; ours: string }[];
    expect(json.map((c) => c.orderNumber)).toEqual(odd);
    expect(json.map((c) => c.ours)).toEqual(odd.map((o) => `value for ${o}`));
    const sheet = await sheetOf((await exportConflicts(outbox.db, 'xlsx')).body);
    expect(odd.map((_, i) => sheet.getRow(i + 2).getCell(CONFLICT_COLUMNS.indexOf('orderNumber') + 1).value)).toEqual(odd);
    for (const o of odd) expect([...iterateConflicts(outbox.db, { search: o })].map((c) => c.orderNumber)).toEqual([o]);
  });

  it('a large log exports whole in every format', async () => {
    const { outbox } = openTestOutbox();
    outbox.enqueueMany(Array.from({ length: 3000 }, (_, i) => input(`SO-${i}`, { SalesOrderStatus: `v${i}` })));
    outbox.db.exec(`INSERT INTO conflicts (update_id, profile, company, order_no, field, base, ours, theirs, etag, detected_at)
                    SELECT id, profile, company, order_no, 'SalesOrderStatus', '"b"', '"o"', '"t"', NULL, id FROM updates`);
    const sizes: Partial<Record<ExportFormat, number>> = {};
    for (const format of EXPORT_FORMATS) {
      const file = await exportConflicts(outbox.db, format);
      expect(file.count, format).toBe(3000);
      sizes[format] = file.body.length;
    }
    expect((await sheetOf((await exportConflicts(outbox.db, 'xlsx')).body)).rowCount).toBe(3001);
    expect(sizes.xlsx).toBeLessThan(sizes.json!);
  });
});
