/**
 * The conflict log as files people open: Excel-safe CSV, JSON, and XLSX with real date cells.
 * All three carry CONFLICT_COLUMNS, in that order, under those names.
 */
import { PassThrough } from 'node:stream';
import type { Database } from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { CSV_BOM, csvLine } from '../csv/csv.ts';
import type { FieldValue } from '../outbox/types.ts';
import { CONFLICT_COLUMNS, iterateConflicts, type ConflictQuery, type ConflictRecord } from './conflict-log.ts';
import { parseTimeZone, type ViewerZone } from './time-zone.ts';

export const EXPORT_FORMATS = ['csv', 'json', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface ExportOptions {
  /** the viewer's IANA time zone or UTC offset: XLSX dates read as their clock (default UTC) */
  timeZone?: string;
  /** when the export is made (the XLSX says so) */
  now?: number;
}

export interface ConflictExport {
  /** conflicts in the file; 0 means nothing matched, and `body` is empty: write no file */
  count: number;
  body: Buffer;
  /** the zone the XLSX dates are in */
  timeZone: string;
}

/** A value as text: what was sent or found, never reinterpreted (no number, date or formula). */
function text(v: FieldValue | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

function csvCells(c: ConflictRecord): string[] {
  return CONFLICT_COLUMNS.map((k) => (k === 'id' || k === 'updateId' ? String(c[k]) : text(c[k])));
}

/** CSV (UTF-8 BOM, CRLF, formula cells neutralised) or a JSON array, chunk by chunk. */
export function* conflictText(records: Iterable<ConflictRecord>, format: 'csv' | 'json'): Generator<string> {
  if (format === 'csv') {
    yield CSV_BOM + csvLine(CONFLICT_COLUMNS);
    for (const c of records) yield csvLine(csvCells(c));
    return;
  }
  yield '[';
  let first = true;
  for (const c of records) {
    yield (first ? '\n  ' : ',\n  ') + JSON.stringify(c, [...CONFLICT_COLUMNS]);
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}

const DATE_COLUMNS = new Set<string>(['detectedAt', 'resolvedAt']);
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
const TEXT_FORMAT = '@';
const WIDTHS: Partial<Record<(typeof CONFLICT_COLUMNS)[number], number>> = { orderNumber: 18, field: 22, base: 20, ours: 20, theirs: 20, etag: 30, detectedAt: 20, resolvedAt: 20, resolvedBy: 18, resolution: 14 };

/** A date cell showing the viewer's clock (a spreadsheet date has no zone of its own). */
function dateCell(iso: string | null, zone: ViewerZone): Date | null {
  return iso === null ? null : new Date(zone.wallClock(Date.parse(iso)));
}

/**
 * XLSX through exceljs's streaming writer: ids as numbers, times as date cells in the
 * viewer's zone, everything else as text cells in the Text format — a value such as
 * =HYPERLINK(…) is a string, never a formula, and +1-555-0100 stays as typed.
 */
async function workbook(records: Iterable<ConflictRecord>, zone: ViewerZone, about: [string, string | number | Date][]): Promise<{ count: number; body: Buffer }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    out.on('end', resolve);
    out.on('error', reject);
  });
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true, useStyles: true });
  book.creator = 'Outbox Agent';
  const sheet = book.addWorksheet('conflicts', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = CONFLICT_COLUMNS.map((key) => ({
    header: key,
    key,
    width: WIDTHS[key] ?? 10,
    style: { numFmt: DATE_COLUMNS.has(key) ? DATE_FORMAT : key === 'id' || key === 'updateId' ? 'General' : TEXT_FORMAT },
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: CONFLICT_COLUMNS.length } };
  let count = 0;
  for (const c of records) {
    const row: Record<string, string | number | Date | null> = {};
    for (const key of CONFLICT_COLUMNS) {
      if (key === 'id' || key === 'updateId') row[key] = c[key];
      else if (key === 'detectedAt' || key === 'resolvedAt') row[key] = dateCell(c[key], zone);
      else row[key] = text(c[key]);
    }
    sheet.addRow(row).commit();
    count++;
  }
  sheet.commit();
  const info = book.addWorksheet('export');
  info.columns = [
    { header: 'what', key: 'what', width: 14 },
    { header: 'value', key: 'value', width: 28, style: { numFmt: TEXT_FORMAT } },
  ];
  for (const [what, value] of [...about, ['conflicts', count] as [string, number]]) {
    const row = info.addRow({ what, value });
    if (value instanceof Date) row.getCell(2).numFmt = DATE_FORMAT;
    row.commit();
  }
  info.commit();
  await book.commit();
  await done;
  return { count, body: Buffer.concat(chunks) };
}

/** Counts what passes, so an export knows whether anything matched without a second query. */
function counted<T>(items: Iterable<T>): { items: Iterable<T>; count: () => number } {
  let n = 0;
  return {
    items: (function* () {
      for (const item of items) {
        n++;
        yield item;
      }
    })(),
    count: () => n,
  };
}

/**
 * The conflicts a query selects (oldest first) in one format. Nothing matching gives
 * count 0 and an empty body: the caller says "0 conflicts match" instead of writing a file.
 */
export async function exportConflicts(db: Database, format: ExportFormat, query: ConflictQuery = {}, options: ExportOptions = {}): Promise<ConflictExport> {
  // The zone is checked before anything is read, so a typo fails fast and alone.
  const zone = parseTimeZone(options.timeZone);
  const records = iterateConflicts(db, { ...query, newestFirst: false });
  try {
    const first = records.next();
    if (first.done) return { count: 0, body: Buffer.alloc(0), timeZone: zone.id };
    const all = (function* () {
      yield first.value;
      yield* records;
    })();
    if (format === 'xlsx') {
      const about: [string, string | Date][] = [
        ['timeZone', zone.id],
        ['exportedAt', new Date(zone.wallClock(options.now ?? Date.now()))],
      ];
      if (query.since !== undefined) about.push(['since', query.since]);
      if (query.until !== undefined) about.push(['until', query.until]);
      if (query.search) about.push(['search', query.search]);
      const { count, body } = await workbook(all, zone, about);
      return { count, body, timeZone: zone.id };
    }
    const c = counted(all);
    const body = Buffer.from([...conflictText(c.items, format)].join(''), 'utf8');
    return { count: c.count(), body, timeZone: zone.id };
  } finally {
    // However the writing ended, the open statement is released (the connection is shared).
    records.return(undefined);
  }
}
