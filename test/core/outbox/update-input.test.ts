import { describe, expect, it } from 'vitest';
import { isOutboxError } from '../../../core/errors.ts';
import { checkFieldName, checkUpdate, CompanySchema, describeKey, FieldsSchema, LIMITS, OrderNumberSchema, UpdateRequestSchema } from '../../../core/outbox/update-input.ts';

const ok = { company: 'USMF', orderNumber: 'SO-1', fields: { DeliveryModeCode: '10' }, source: 'cli', queuedBy: 'desk@host' };

/** The BAD_INPUT message checkUpdate gives, or a failure if it accepted the input. */
function refusal(input: unknown): string {
  try {
    checkUpdate(input);
  } catch (e) {
    expect(isOutboxError(e) && e.code).toBe('BAD_INPUT');
    return (e as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

describe('checkUpdate: the one rule set for what an update may contain', () => {
  it('accepts a plain update, filling the profile and turning an empty base into none', () => {
    expect(checkUpdate(ok)).toEqual({ ...ok, profile: 'fo', base: null });
    expect(checkUpdate({ ...ok, base: {} }).base).toBeNull();
    expect(checkUpdate({ ...ok, base: { DeliveryModeCode: '20' } }).base).toEqual({ DeliveryModeCode: '20' });
  });

  it('holds every length limit exactly: at the limit accepted, one more refused, naming the length', () => {
    const cases: [keyof typeof LIMITS, (n: number) => Record<string, unknown>, RegExp][] = [
      ['orderNumber', (n) => ({ orderNumber: 'S'.repeat(n) }), /order number is 201 characters long; the limit is 200/],
      ['company', (n) => ({ company: 'C'.repeat(n) }), /company is 65 characters long; the limit is 64/],
      ['profile', (n) => ({ profile: 'p'.repeat(n) }), /profile is 33 characters long; the limit is 32/],
      ['queuedBy', (n) => ({ queuedBy: 'q'.repeat(n) }), /queued by is 201 characters long; the limit is 200/],
      ['value', (n) => ({ fields: { SalesOrderName: 'v'.repeat(n) } }), /value of SalesOrderName is 4001 characters long; the limit is 4000/],
      ['fields', (n) => ({ fields: Object.fromEntries(Array.from({ length: n }, (_, i) => [`F${i}`, 1])) }), /has 101 fields; the limit is 100/],
    ];
    for (const [limit, make, message] of cases) {
      expect(() => checkUpdate({ ...ok, ...make(LIMITS[limit]) }), limit).not.toThrow();
      expect(refusal({ ...ok, ...make(LIMITS[limit] + 1) }), limit).toMatch(message);
    }
  });

  it('refuses control characters in keys and values, showing them escaped; tab, CR and LF are fine in values', () => {
    expect(refusal({ ...ok, orderNumber: 'SO\u00071' })).toBe('order number "SO\\u00071" contains a control character');
    expect(refusal({ ...ok, company: 'US\u0000MF' })).toBe('company "US\\u0000MF" contains a control character');
    expect(refusal({ ...ok, fields: { SalesOrderName: 'a\u001b[2Jb' } })).toBe('order "SO-1" (company "USMF"): value of SalesOrderName contains a control character');
    expect(refusal({ ...ok, fields: { SalesOrderName: 'x\u007f' } })).toMatch(/control character/);
    expect(checkUpdate({ ...ok, fields: { SalesOrderName: 'line 1\r\nline 2\tend' } }).fields.SalesOrderName).toBe('line 1\r\nline 2\tend');
  });

  // "Order numbers, companies and the like: … visible characters only": a tab or a line break
  // inside one is never part of a D365 key; taking it would only fail at D365 hours later.
  it('refuses a tab or a line break inside an order number or company', () => {
    expect(refusal({ ...ok, orderNumber: 'SO\t1' })).toMatch(/order number .* contains a control character/);
    expect(refusal({ ...ok, orderNumber: 'SO\n1' })).toMatch(/order number .* contains a control character/);
    expect(refusal({ ...ok, company: 'US\r\nMF' })).toMatch(/company .* contains a control character/);
  });

  it('refuses invisible characters that make two order numbers look the same', () => {
    for (const c of ['\u200b', '\u200e', '\u202e', '\u2066', '\ufeff']) {
      expect(refusal({ ...ok, orderNumber: `SO${c}1` })).toMatch(/contains an invisible character \(a direction mark or zero-width space\); type it again$/);
    }
  });

  it('normalises to NFC, then trims: a decomposed é is the same order and value as a composed one', () => {
    const u = checkUpdate({ ...ok, orderNumber: '  Caf\u0065\u0301-1 ', company: 'U\u0308SMF', fields: { SalesOrderName: 'Re\u0301sume\u0301' }, base: { SalesOrderName: 'cafe\u0301' } });
    expect(u.orderNumber).toBe('Caf\u00e9-1');
    expect(u.company).toBe('\u00dcSMF');
    expect(u.fields.SalesOrderName).toBe('R\u00e9sum\u00e9');
    expect(u.base!.SalesOrderName).toBe('caf\u00e9');
    expect(refusal({ ...ok, orderNumber: '   ' })).toBe('order number is empty');
  });

  it('refuses __proto__ by name, as JSON delivers it, in fields and in base, without polluting anything', () => {
    expect(refusal({ ...ok, fields: JSON.parse('{"__proto__": {"polluted": true}}') })).toBe(
      'order "SO-1" (company "USMF"): field "__proto__" is not a valid D365 field name (letters, digits and _, starting with a letter)',
    );
    expect(refusal({ ...ok, base: JSON.parse('{"__proto__": "x"}') })).toMatch(/^base of order "SO-1" \(company "USMF"\): field "__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses field names D365 cannot have, and values that are not text, numbers, booleans or null', () => {
    for (const name of ['Delivery-Mode', '1st', 'a b', '', 'x'.repeat(129), "A eq 'x'"]) {
      expect(refusal({ ...ok, fields: { [name]: 1 } }), name).toContain(`field ${JSON.stringify(name)} is not a valid D365 field name`);
    }
    expect(checkUpdate({ ...ok, fields: { A: 'x', B: 2, C: true, D: null, E_1: 0 } }).fields).toEqual({ A: 'x', B: 2, C: true, D: null, E_1: 0 });
    expect(refusal({ ...ok, fields: { A: { $ne: null } } })).toMatch(/value of A must be text, a number, true\/false or null$/);
    expect(refusal({ ...ok, fields: { A: [1] } })).toMatch(/value of A must be text/);
    expect(refusal({ ...ok, fields: { A: Number.NaN } })).toMatch(/value of A is not a finite number$/);
    expect(refusal({ ...ok, fields: { A: Number.POSITIVE_INFINITY } })).toMatch(/value of A is not a finite number$/);
    expect(refusal({ ...ok, fields: ['DeliveryModeCode', '10'] })).toMatch(/must be an object of field → value/);
  });

  it('names the order in every message about its fields or base, and what is wrong in words a person can act on', () => {
    expect(refusal({ ...ok, fields: {} })).toBe('order "SO-1" (company "USMF") changes no field');
    expect(refusal({ ...ok, base: { SalesOrderName: 'x' } })).toBe('base value given for SalesOrderName, which order "SO-1" (company "USMF") does not change');
    expect(refusal({ ...ok, orderNumber: 42 })).toBe('order number must be text, got number');
    expect(refusal({ ...ok, orderNumber: null })).toBe('order number must be text, got null');
    expect(refusal({ ...ok, source: 'email' })).toBe('unknown source "email"');
    expect(refusal('SO-1')).toBe('an update must be an object');
    expect(refusal([ok])).toBe('an update must be an object');
  });
});

describe('the schemas built from the same rules', () => {
  it('the request schema (form, API, CLI) applies the same rules, with the company optional', () => {
    expect(UpdateRequestSchema.safeParse({ orderNumber: ' SO-1 ', fields: { A: 'e\u0301' } }).data).toEqual({ orderNumber: 'SO-1', fields: { A: '\u00e9' } });
    expect(UpdateRequestSchema.safeParse({ orderNumber: 'SO\u00011', fields: { A: 1 } }).success).toBe(false);
    expect(OrderNumberSchema.safeParse('x'.repeat(201)).success).toBe(false);
    expect(CompanySchema.parse(' usmf ')).toBe('usmf');
    expect(FieldsSchema.safeParse({ ok_1: 1 }).success).toBe(true);
  });

  it('checkFieldName throws BAD_INPUT naming what the name was for', () => {
    expect(() => checkFieldName('DeliveryModeCode')).not.toThrow();
    expect(() => checkFieldName('bad name', 'column')).toThrow('column "bad name" is not a valid D365 field name');
  });

  it('describeKey quotes the order number and company exactly', () => {
    expect(describeKey({ company: 'USMF', orderNumber: 'O"Brien' })).toBe('order "O\\"Brien" (company "USMF")');
  });
});
