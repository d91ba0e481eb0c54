import { describe, expect, it } from 'vitest';
import { decodeCsv, detectEncoding } from '../../../core/csv/decode.ts';
import { isOutboxError } from '../../../core/errors.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
/** Windows-1252 bytes of Latin-1 text (what Excel saves as "CSV" on Western European Windows). */
const cp1252 = (s: string) => Uint8Array.from([...s].map((c) => (c === '€' ? 0x80 : c.charCodeAt(0))));

describe('decodeCsv', () => {
  it('reads UTF-8, with or without a BOM (the BOM is not part of the first cell)', () => {
    expect(decodeCsv(utf8('order,SalesOrderName\nSO-1,Müller\n'))).toBe('order,SalesOrderName\nSO-1,Müller\n');
    expect(decodeCsv(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('order\n')]))).toBe('order\n');
  });

  it('refuses a file that is not valid UTF-8 naming the line and byte, and says what to do', () => {
    const bytes = Uint8Array.from([...utf8('order,SalesOrderName\nSO-1,ok\n'), ...cp1252('SO-2,Müller\n')]);
    let message = '';
    try {
      decodeCsv(bytes);
    } catch (e) {
      expect(isOutboxError(e) && e.code).toBe('BAD_INPUT');
      message = (e as Error).message;
    }
    expect(message).toBe(
      'line 3: the file is not valid UTF-8 (byte 0xFC); it was probably saved as Windows-1252 (ANSI): import it again choosing that encoding (outbox import --encoding windows-1252)',
    );
  });

  it('never hands back text with replacement characters in place of letters', () => {
    expect(() => decodeCsv(cp1252('Straße'))).toThrow(/line 1: .*byte 0xDF/);
  });

  it('finds the line of a bad byte on the last line, without a final line feed', () => {
    expect(() => decodeCsv(Uint8Array.from([...utf8('a\nb\nc'), 0xff]))).toThrow(/^line 3: .*byte 0xFF/);
  });

  it('reads Windows-1252 when asked, including the characters it has beyond Latin-1', () => {
    expect(decodeCsv(cp1252('SO-1,Müller,5€\n'), 'windows-1252')).toBe('SO-1,Müller,5€\n');
  });
});

describe('detectEncoding', () => {
  it('is UTF-8 when the bytes decode as UTF-8 (plain ASCII included), else Windows-1252', () => {
    expect(detectEncoding(utf8('order\nSO-1\n'))).toBe('utf-8');
    expect(detectEncoding(utf8('Müller €'))).toBe('utf-8');
    expect(detectEncoding(cp1252('Müller'))).toBe('windows-1252');
    expect(detectEncoding(new Uint8Array())).toBe('utf-8');
  });

  it('what it detects always decodes', () => {
    for (const bytes of [utf8('Ünïcødé'), cp1252('Straße'), Uint8Array.from([0x80, 0x81, 0xff])]) {
      expect(() => decodeCsv(bytes, detectEncoding(bytes))).not.toThrow();
    }
  });
});
