/**
 * A long CSV import goes to the agent in parts — the header and so many rows at a time — so the
 * person sees progress and can stop it. The agent imports each part all or nothing and does all
 * the reading (encoding, delimiter, cells); here a file is only cut between records.
 *
 * Cutting works on the file's bytes as they are: in UTF-8 and in Windows-1252 a quote (0x22), a
 * line feed (0x0A) and a carriage return (0x0D) are single bytes that never occur inside another
 * character, so a record ends at a line break outside quotes whatever the encoding is.
 */
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export interface CsvParts {
  /** the header record, with its line break */
  header: Uint8Array;
  /** the data records, each with its own line break (the last one may have none) */
  records: Uint8Array[];
}

export function splitRecords(bytes: Uint8Array): CsvParts {
  const ends: number[] = [];
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted && (b === LF || (b === CR && bytes[i + 1] !== LF))) ends.push(i + 1);
  }
  if (ends[ends.length - 1] !== bytes.length) ends.push(bytes.length);
  const slices: Uint8Array[] = [];
  let from = 0;
  for (const end of ends) {
    if (end > from) slices.push(bytes.subarray(from, end));
    from = end;
  }
  const blank = (r: Uint8Array) => r.every((b) => b === LF || b === CR);
  const [header = new Uint8Array(), ...rest] = slices;
  return { header, records: rest.filter((r) => !blank(r)) };
}

/** The header, then `size` records at a time: each part is a CSV file of its own. */
export function* partsOf({ header, records }: CsvParts, size: number): Generator<{ first: number; count: number; bytes: Uint8Array }> {
  // A header without a line break (a file of one line) still needs one before the rows.
  const head = header.length > 0 && header[header.length - 1] !== LF && header[header.length - 1] !== CR ? concat([header, new Uint8Array([LF])]) : header;
  for (let i = 0; i < records.length; i += size) {
    const chunk = records.slice(i, i + size);
    yield { first: i + 1, count: chunk.length, bytes: concat([head, ...chunk]) };
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes as base64, the way the API takes a file; in slices, since a spread of megabytes overflows the stack. */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
