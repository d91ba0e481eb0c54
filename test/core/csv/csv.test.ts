import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvLine, neutralise, readCsv } from '../../../core/csv/csv.ts';

const read = (text: string) => [...readCsv(text)];

function errorMessage(text: string): string {
  try {
    read(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the reader to refuse');
}

describe('readCsv', () => {
  it('reads plain records with their line numbers', () => {
    expect(read('a,b,c\n1,2,3\n')).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['1', '2', '3'] },
    ]);
  });

  it('handles a missing final newline, empty cells and a trailing comma', () => {
    expect(read('a,,c\n,x,\n1,2,3')).toEqual([
      { line: 1, cells: ['a', '', 'c'] },
      { line: 2, cells: ['', 'x', ''] },
      { line: 3, cells: ['1', '2', '3'] },
    ]);
  });

  it('reads quoted cells with commas and doubled quotes', () => {
    expect(read('"a,b","say ""hi""",""\n')).toEqual([{ line: 1, cells: ['a,b', 'say "hi"', ''] }]);
  });

  it('keeps line breaks inside quotes and counts lines correctly after them', () => {
    const text = 'h1,h2\n"two\nlines",x\n"three\r\nlines\nhere",y\nlast,z\n';
    expect(read(text)).toEqual([
      { line: 1, cells: ['h1', 'h2'] },
      { line: 2, cells: ['two\nlines', 'x'] },
      { line: 4, cells: ['three\r\nlines\nhere', 'y'] },
      { line: 7, cells: ['last', 'z'] },
    ]);
  });

  it('accepts CRLF and lone CR line ends', () => {
    expect(read('a,b\r\n1,2\r\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
    ]);
    expect(read('a,b\r1,2\r')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
    ]);
    expect(read('"x"\r\n"y"')).toEqual([
      { line: 1, cells: ['x'] },
      { line: 2, cells: ['y'] },
    ]);
  });

  it('drops a UTF-8 BOM and keeps non-ASCII text', () => {
    expect(read('\ufefforder,Note\nÜnïcødé,注文\n')).toEqual([
      { line: 1, cells: ['order', 'Note'] },
      { line: 2, cells: ['Ünïcødé', '注文'] },
    ]);
  });

  it('skips blank lines but keeps counting them', () => {
    expect(read('a\n\n\r\nb\n')).toEqual([
      { line: 1, cells: ['a'] },
      { line: 4, cells: ['b'] },
    ]);
  });

  it('keeps spaces in cells as they are', () => {
    expect(read(' a , b \n')).toEqual([{ line: 1, cells: [' a ', ' b '] }]);
  });

  it('refuses an unclosed quote, naming the line where the cell starts', () => {
    expect(errorMessage('a,b\n1,2\n"open,3\nmore\n')).toMatch(/^line 3: a quoted cell is never closed/);
  });

  it('refuses text after a closing quote, naming its line', () => {
    expect(errorMessage('a,b\n"x\ny"z,2\n')).toMatch(/^line 3: unexpected text after a closing quote in cell 1/);
  });

  it('refuses a stray quote inside an unquoted cell', () => {
    expect(errorMessage('a,b\n1,2"3\n')).toMatch(/^line 2: a quote inside unquoted cell 2/);
  });

  it('streams: records come before a later error is found', () => {
    const it = readCsv('a\nb\n"c');
    expect(it.next().value).toEqual({ line: 1, cells: ['a'] });
    expect(it.next().value).toEqual({ line: 2, cells: ['b'] });
    expect(() => it.next()).toThrow(/line 3/);
  });
});

describe('CSV writing', () => {
  it('neutralises every formula start Excel knows', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(neutralise(`${start}1+1`)).toBe(`'${start}1+1`);
    }
    expect(neutralise('=HYPERLINK("http://x","y")')).toBe(`'=HYPERLINK("http://x","y")`);
    for (const safe of ['SO-1', 'a=b', ' =1', "'=x", '', '1.5', 'Ünïcødé']) expect(neutralise(safe)).toBe(safe);
  });

  it('quotes what needs it and ends lines with CRLF', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'two\nlines', ''])).toBe('a,"b,c","say ""hi""","two\nlines",\r\n');
    expect(csvLine(['=HYPERLINK("http://x","y")'])).toBe(`"'=HYPERLINK(""http://x"",""y"")"\r\n`);
    expect(csvLine(['\r=1'])).toBe(`"'\r=1"\r\n`);
  });

  it('what it writes reads back to the neutralised cells', () => {
    const cells = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', '\tx', '\rx', "O'Brien", 'a,"b"\nc', 'Ünïcødé', ''];
    const text = CSV_BOM + csvLine(cells) + csvLine(['plain']);
    expect(read(text)).toEqual([
      { line: 1, cells: cells.map(neutralise) },
      { line: 3, cells: ['plain'] },
    ]);
  });
});
