import { describe, expect, it } from 'vitest';
import { ODataSyntaxError, formatStringLiteral, parseEqualityFilter, parseKeyPredicate, splitPath, tokenize } from '../../../core/simulator/odata-syntax.ts';
import { createRng } from '../../../core/simulator/rng.ts';

describe('key predicates', () => {
  it('reads quoted values with doubled quotes, commas, parentheses and equals signs', () => {
    const key = parseKeyPredicate(`dataAreaId='USMF', SalesOrderNumber='O''Brien, (x)=y'`);
    expect(key.named.get('dataAreaId')).toEqual({ kind: 'string', value: 'USMF' });
    expect(key.named.get('SalesOrderNumber')).toEqual({ kind: 'string', value: "O'Brien, (x)=y" });
  });

  it('reads a bare GUID key', () => {
    expect(parseKeyPredicate('5D115C9C-44E3-EA11-BB43-000D3A2FECA1').single).toEqual({
      kind: 'guid',
      value: '5d115c9c-44e3-ea11-bb43-000d3a2feca1',
    });
  });

  it('reads a GUID only where it ends, numbers, booleans and null', () => {
    const values = tokenize(`a=5d115c9c-44e3-ea11-bb43-000d3a2feca1,b=-1.5e3,c=true,d=null,e=''''`).filter((t) => t.t === 'literal');
    expect(values.map((t) => t.v)).toEqual([
      { kind: 'guid', value: '5d115c9c-44e3-ea11-bb43-000d3a2feca1' },
      { kind: 'number', value: -1500 },
      { kind: 'boolean', value: true },
      { kind: 'null' },
      { kind: 'string', value: "'" },
    ]);
    // followed by a name character, it is no GUID: numbers, then a name
    expect(tokenize('12345678-1234-1234-1234-123456789abcx').map((t) => t.t)).toEqual(['literal', 'literal', 'literal', 'literal', 'literal', 'ident']);
  });

  it.each([`a='x`, `a='x',`, `a=`, `='x'`, `a='x' b='y'`, `a='x',a='y'`, ``])('refuses %j', (text) => {
    expect(() => parseKeyPredicate(text)).toThrow(ODataSyntaxError);
  });

  it('round-trips any string through formatStringLiteral', () => {
    for (const value of ["O'Brien", "''", "SO-1') or true or ('", 'Ünïcødé', '']) {
      expect(parseKeyPredicate(`k=${formatStringLiteral(value)}`).named.get('k')).toEqual({ kind: 'string', value });
    }
  });
});

describe('paths and filters', () => {
  it('splits a path only on slashes outside quotes', () => {
    expect(splitPath(`/data/Set(a='x/y',b='O''B/')`)).toEqual(['', 'data', `Set(a='x/y',b='O''B/')`]);
    expect(splitPath(`/data/Set(a='x/y`)).toEqual(['', 'data', `Set(a='x/y`]);
    expect(splitPath('a//b/')).toEqual(['a', '', 'b', '']);
  });

  it('reads equality filters joined by and', () => {
    expect(parseEqualityFilter(`number eq 'SO-1' and (amount eq 3)`)).toEqual([
      { property: 'number', value: { kind: 'string', value: 'SO-1' } },
      { property: 'amount', value: { kind: 'number', value: 3 } },
    ]);
    expect(() => parseEqualityFilter(`number gt 'SO-1'`)).toThrow(ODataSyntaxError);
    expect(() => parseEqualityFilter(`number eq 'SO-1' or number eq 'SO-2'`)).toThrow(ODataSyntaxError);
  });
});

describe('createRng', () => {
  it('is reproducible from its seed and stays in [0, 1)', () => {
    const a = createRng(5);
    const b = createRng(5);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(1000);
    expect(createRng(6)()).not.toBe(xs[0]);
  });
});
