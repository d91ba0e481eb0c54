import { badInput } from '../errors.ts';

export const CSV_ENCODINGS = ['utf-8', 'windows-1252'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/**
 * A CSV file's bytes as text. UTF-8 (with or without BOM) must be valid: a file saved in
 * another encoding is refused naming the line, never read with "�" in place of letters.
 * Windows-1252 (Excel's "CSV" on Western European Windows) is read when the person says so.
 */
export function decodeCsv(bytes: Uint8Array, encoding: CsvEncoding = 'utf-8'): string {
  if (encoding === 'windows-1252') return new TextDecoder('windows-1252').decode(bytes);
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    return strict.decode(bytes);
  } catch {
    const { line, byte } = firstInvalidUtf8(bytes);
    throw badInput(
      `line ${line}: the file is not valid UTF-8 (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}); ` +
        'it was probably saved as Windows-1252 (ANSI): import it again choosing that encoding (outbox import --encoding windows-1252)',
    );
  }
}

/** UTF-8 if it decodes as UTF-8, else Windows-1252: what a file from Excel most likely is. */
export function detectEncoding(bytes: Uint8Array): CsvEncoding {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

function firstInvalidUtf8(bytes: Uint8Array): { line: number; byte: number } {
  // A line feed never occurs inside a multi-byte UTF-8 sequence, so lines decode one by one.
  const strict = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  let line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    const slice = bytes.subarray(start, i);
    try {
      strict.decode(slice);
    } catch {
      const bad = slice.find((b) => b >= 0x80) ?? 0;
      return { line, byte: bad };
    }
    start = i + 1;
    line++;
  }
  return { line, byte: 0 };
}
