import { isOutboxError } from '../errors.ts';
import type { Fields } from '../outbox/types.ts';
import { checkFieldName, checkUpdate, type CheckedUpdate } from '../outbox/update-input.ts';
import { detectDelimiter, readCsv, type CsvDelimiter } from './csv.ts';

export interface ImportRow {
  line: number;
  input: CheckedUpdate;
}

export interface ImportProblem {
  line: number;
  message: string;
}

export interface ImportPlan {
  rows: ImportRow[];
  problems: ImportProblem[];
  /** the delimiter the file was read with */
  delimiter: CsvDelimiter;
}

export interface ImportOptions {
  /** used when a row leaves the company cell empty or there is no company column */
  defaultCompany: string;
  queuedBy: string;
  profile?: string;
  /** ',', ';' or tab; found from the header when not given */
  delimiter?: CsvDelimiter;
}

/**
 * Reads an import file (header `order,company,<field>…,base.<field>…`) into updates, checking
 * every row. The caller enqueues all rows or none: a plan with problems must not be applied.
 * An empty cell leaves that field unchanged for that row.
 */
export function planImport(text: string, options: ImportOptions): ImportPlan {
  const problems: ImportProblem[] = [];
  const rows: ImportRow[] = [];
  const delimiter = options.delimiter ?? detectDelimiter(text);
  try {
    const records = readCsv(text, delimiter);
    const first = records.next();
    if (first.done) return { rows, delimiter, problems: [{ line: 1, message: 'the file is empty; expected a header like order,company,SalesOrderStatus' }] };
    const header = first.value.cells.map((c) => c.trim());
    const columns = parseHeader(header, problems);
    if (!columns) return { rows, problems, delimiter };
    for (const record of records) {
      const message = checkWidth(record.cells.length, header.length);
      if (message) {
        problems.push({ line: record.line, message });
        continue;
      }
      const fields: Fields = {};
      const base: Fields = {};
      for (const col of columns.fields) {
        const v = record.cells[col.index]!;
        if (v !== '') fields[col.name] = v;
      }
      for (const col of columns.base) {
        const v = record.cells[col.index]!;
        if (v !== '') base[col.name] = v;
      }
      const unreadable = record.cells.findIndex((c) => c.includes('\ufffd'));
      if (unreadable >= 0) {
        problems.push({
          line: record.line,
          message: `cell ${unreadable + 1} holds "\ufffd", a character that could not be read: the file is probably not UTF-8 — import it again choosing its encoding (Windows-1252)`,
        });
        continue;
      }
      const company = columns.company === null ? '' : record.cells[columns.company]!.trim();
      const input = {
        profile: options.profile,
        company: company === '' ? options.defaultCompany : company,
        orderNumber: record.cells[columns.order]!,
        fields,
        base: Object.keys(base).length ? base : null,
        source: 'csv' as const,
        queuedBy: options.queuedBy,
      };
      try {
        // The checked form is what gets queued.
        rows.push({ line: record.line, input: checkUpdate(input) });
      } catch (e) {
        if (!isOutboxError(e)) throw e;
        problems.push({ line: record.line, message: e.message });
      }
    }
  } catch (e) {
    if (!isOutboxError(e)) throw e;
    // Malformed quoting: the message names the line; nothing past it can be trusted.
    const m = /^line (\d+): (.*)$/s.exec(e.message);
    problems.push({ line: m ? Number(m[1]) : 0, message: m ? m[2]! : e.message });
  }
  if (rows.length === 0 && problems.length === 0) problems.push({ line: 2, message: 'the file has a header but no rows' });
  return { rows, problems, delimiter };
}

interface Columns {
  order: number;
  company: number | null;
  fields: { name: string; index: number }[];
  base: { name: string; index: number }[];
}

function parseHeader(header: string[], problems: ImportProblem[]): Columns | null {
  const seen = new Set<string>();
  const cols: Columns = { order: -1, company: null, fields: [], base: [] };
  const fail = (message: string) => {
    problems.push({ line: 1, message });
    return null;
  };
  for (const [index, raw] of header.entries()) {
    const name = raw.replace(/^\ufeff/, '');
    const lower = name.toLowerCase();
    if (seen.has(lower)) return fail(`column ${JSON.stringify(name)} appears twice in the header`);
    seen.add(lower);
    if (lower === 'order') cols.order = index;
    else if (lower === 'company') cols.company = index;
    else if (lower.startsWith('base.')) cols.base.push({ name: name.slice(5), index });
    else cols.fields.push({ name, index });
  }
  if (cols.order < 0) return fail('the header has no "order" column (expected order,company,<field>…,base.<field>…)');
  if (cols.fields.length === 0) return fail('the header names no field to change (expected order,company,<field>…)');
  try {
    for (const c of cols.fields) checkFieldName(c.name, 'column');
    for (const c of cols.base) {
      checkFieldName(c.name, 'column base.');
      if (!cols.fields.some((f) => f.name === c.name)) return fail(`column base.${c.name} has no matching column ${c.name}`);
    }
  } catch (e) {
    if (!isOutboxError(e)) throw e;
    return fail(e.message);
  }
  return cols;
}

function checkWidth(cells: number, expected: number): string | null {
  if (cells === expected) return null;
  return `expected ${expected} cells like the header, found ${cells}`;
}
