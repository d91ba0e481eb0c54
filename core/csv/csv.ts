import { badInput } from '../errors.ts';

export interface CsvRecord {
  /** 1-based line where the record starts (a quoted cell may span lines) */
  line: number;
  cells: string[];
}

export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/**
 * The delimiter of a file, from its header line: Excel writes ';' where the decimal separator
 * is a comma (much of Europe), a spreadsheet paste is tab-separated, the rest is ','.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  let header = '';
  let quoted = false;
  for (const ch of text.replace(/^\ufeff/, '')) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted) header += ch;
  }
  const count = (d: string) => header.split(d).length - 1;
  const best = [...CSV_DELIMITERS].sort((a, b) => count(b) - count(a))[0]!;
  return count(best) > 0 ? best : ',';
}

/**
 * RFC 4180 reader: quoted cells with doubled quotes and embedded line breaks, CRLF or LF,
 * an optional UTF-8 BOM, and a delimiter of ',' (default), ';' or tab. Malformed quoting is an
 * error naming the line, never a guess.
 */
export function* readCsv(text: string, delimiter: CsvDelimiter = ','): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw badInput(`line ${start}: a quoted cell is never closed`);
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
        const after = text[i];
        if (after !== undefined && after !== delimiter && after !== '\n' && after !== '\r') {
          throw badInput(`line ${line}: unexpected text after a closing quote in cell ${cells.length + 1}`);
        }
      } else {
        const from = i;
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        cell = text.slice(from, i);
        if (cell.includes('"')) throw badInput(`line ${line}: a quote inside unquoted cell ${cells.length + 1}; quote the whole cell and double the quote`);
      }
      cells.push(cell);
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    // Blank lines (a lone empty cell) carry nothing.
    if (cells.length === 1 && cells[0] === '') continue;
    yield { line: start, cells };
  }
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Cells that Excel would read as a formula (=, +, -, @, tab, CR first) get a leading
 * apostrophe so they open as inert text.
 */
export function neutralise(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** One CSV line (CRLF-terminated, as Excel expects), every cell neutralised. */
export function csvLine(cells: readonly string[]): string {
  return cells.map((c) => quote(neutralise(c))).join(',') + '\r\n';
}

/** A UTF-8 BOM so Excel reads non-ASCII order numbers correctly. */
export const CSV_BOM = '\ufeff';
