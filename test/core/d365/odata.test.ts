import { describe, expect, it } from 'vitest';
import { keyPredicate, sameValue, stringLiteral } from '../../../core/d365/odata.ts';
import { parseKeyPredicate } from '../../../core/simulator/odata-syntax.ts';

describe('stringLiteral', () => {
  it('doubles single quotes, then percent-encodes for a URL', () => {
    expect(stringLiteral("O'Brien")).toBe("'O''Brien'");
    expect(stringLiteral('SO/1 #2?&x=1')).toBe("'SO%2F1%20%232%3F%26x%3D1'");
    expect(stringLiteral('')).toBe("''");
  });

  it('a server reading the literal back gets exactly the text, whatever it holds', () => {
    for (const v of ["O''Brien", "SO-1') or true or ('", 'SO,1=2', '../../etc/passwd', 'Ünïcødé-订单-№1', '🚚', '%2F', 'a\\b']) {
      const predicate = decodeURIComponent(keyPredicate({ SalesOrderNumber: v }).slice(1, -1));
      expect(parseKeyPredicate(predicate).named.get('SalesOrderNumber'), v).toEqual({ kind: 'string', value: v });
    }
  });
});

describe('keyPredicate', () => {
  it('lists every key as name=literal, in the order given', () => {
    expect(keyPredicate({ dataAreaId: 'USMF', SalesOrderNumber: "A'B" })).toBe(`(dataAreaId=${stringLiteral('USMF')},SalesOrderNumber=${stringLiteral("A'B")})`);
    const parsed = parseKeyPredicate(decodeURIComponent(keyPredicate({ dataAreaId: 'usmf', SalesOrderNumber: 'SO,1' }).slice(1, -1)));
    expect([...parsed.named.entries()]).toEqual([
      ['dataAreaId', { kind: 'string', value: 'usmf' }],
      ['SalesOrderNumber', { kind: 'string', value: 'SO,1' }],
    ]);
  });
});

describe('sameValue: values as D365 returns them and as people type them', () => {
  it('equal values, and null and undefined as one', () => {
    expect(sameValue('a', 'a')).toBe(true);
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue(null, '')).toBe(false);
    expect(sameValue('a', 'A')).toBe(false);
  });

  it('a number and its text are the same value (a CSV cell against a D365 number)', () => {
    expect(sameValue(10, '10')).toBe(true);
    expect(sameValue(true, 'true')).toBe(true);
    expect(sameValue(10, '10.0')).toBe(false);
  });

  it('date-times the same instant in another precision or offset are the same; other text is not parsed', () => {
    expect(sameValue('2027-01-15T12:00:00Z', '2027-01-15T12:00:00.000Z')).toBe(true);
    expect(sameValue('2027-01-15T13:00:00+01:00', '2027-01-15T12:00:00Z')).toBe(true);
    expect(sameValue('2027-01-15T12:00Z', '2027-01-15T12:00:00Z')).toBe(true);
    expect(sameValue('2027-01-15T12:00:01Z', '2027-01-15T12:00:00Z')).toBe(false);
    // dates without a time, and free text that Date.parse would take, are compared as text
    expect(sameValue('2027-01-15', '2027-01-15T00:00:00Z')).toBe(false);
    expect(sameValue('1', '2001-01-01T00:00:00Z')).toBe(false);
  });
});
