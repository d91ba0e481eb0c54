import { describe, expect, it } from 'vitest';
import { API_METHODS, API_SCHEMAS, ApiError, createApiClient, isApiMethod, parseArgs, type ApiMethod, type ApiResult } from '../../core/api.ts';
import type { Listener } from '../../core/events.ts';
import { isOutboxError } from '../../core/errors.ts';

function refusal(method: ApiMethod, args: unknown): string {
  try {
    parseArgs(method, args);
  } catch (e) {
    expect(isOutboxError(e) && e.code).toBe('BAD_INPUT');
    return (e as Error).message;
  }
  throw new Error(`accepted ${method} ${JSON.stringify(args)}`);
}

describe('parseArgs: every argument arrives as unknown', () => {
  it('fills the defaults a caller may leave out', () => {
    expect(parseArgs('listUpdates', {})).toEqual({ limit: 50 });
    expect(parseArgs('metrics', undefined)).toEqual({});
    expect(parseArgs('enqueue', { orderNumber: ' SO-1 ', fields: { A: 1 } })).toEqual({ orderNumber: 'SO-1', fields: { A: 1 }, source: 'form' });
    expect(parseArgs('importCsv', { csv: 'order\n' })).toEqual({ csv: 'order\n', encoding: 'auto', delimiter: 'auto', base: 'as-given' });
    expect(parseArgs('listConflicts', {})).toEqual({ limit: 500 });
  });

  it('refuses keys it does not know, for every method of the contract, naming the method', () => {
    for (const method of API_METHODS) expect(refusal(method, { hostile: 1 }), method).toMatch(new RegExp(`^${method}: invalid argument`));
    expect(refusal('enqueue', { orderNumber: 'SO-1', fields: { A: 1 }, priority: 'urgent' })).toMatch(/priority/);
  });

  it('says where in the argument the problem is', () => {
    expect(refusal('getUpdate', { id: 1.5 })).toMatch(/^getUpdate: invalid argument at id: /);
    expect(refusal('enqueue', { orderNumber: 'SO-1', fields: { A: { $ne: null } } })).toMatch(/^enqueue: invalid argument at fields\.A: value of A must be text/);
    expect(refusal('saveSettings', { preferences: { retryLimit: 11 } })).toMatch(/at preferences\.retryLimit/);
    expect(refusal('resolveConflicts', { ids: [], resolution: { action: 'keep-mine' } })).toMatch(/at ids/);
  });

  it('methods without arguments take nothing or an empty object, and nothing else', () => {
    for (const method of ['status', 'pauseDrain', 'resumeDrain', 'drainNow', 'getSettings', 'testConnection', 'startDemo', 'leaveDemo'] as const) {
      expect(parseArgs(method, undefined), method).toBeUndefined();
      expect(parseArgs(method, {}), method).toEqual({});
      expect(() => parseArgs(method, 'x'), method).toThrow();
      expect(() => parseArgs(method, [1]), method).toThrow();
    }
  });

  it('a CSV import is text or bytes, one of them', () => {
    expect(refusal('importCsv', {})).toMatch(/give the file as csv \(text\) or data \(base64\), one of them/);
    expect(refusal('importCsv', { csv: 'a', data: 'YQ==' })).toMatch(/one of them/);
    expect(parseArgs('previewImport', { data: 'YQ==', encoding: 'windows-1252', delimiter: ';' })).toMatchObject({ data: 'YQ==', encoding: 'windows-1252', delimiter: ';' });
    expect(refusal('importCsv', { csv: 'a', encoding: 'latin-9' })).toMatch(/at encoding/);
  });

  it('ids are positive safe integers', () => {
    for (const id of [0, -1, 1.5, 2 ** 53, '1', null]) expect(() => parseArgs('hold', { id }), String(id)).toThrow();
    expect(parseArgs('hold', { id: Number.MAX_SAFE_INTEGER })).toEqual({ id: Number.MAX_SAFE_INTEGER });
  });

  it('field names in lookups follow the same rule as in updates', () => {
    expect(refusal('lookupOrder', { orderNumber: 'SO-1', fields: ['Delivery-Mode'] })).toMatch(/"Delivery-Mode" is not a valid D365 field name/);
    expect(refusal('lookupOrders', { orderNumbers: Array(101).fill('SO'), fields: ['A'] })).toMatch(/at orderNumbers/);
  });
});

describe('isApiMethod', () => {
  it('knows the contract\'s methods and nothing inherited', () => {
    for (const m of API_METHODS) expect(isApiMethod(m)).toBe(true);
    for (const m of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'dropDatabase', '', 42, null]) expect(isApiMethod(m), String(m)).toBe(false);
    expect(API_METHODS).toEqual(Object.keys(API_SCHEMAS));
  });
});

describe('createApiClient: the contract over any transport', () => {
  it('hands back values, turns errors-as-data into ApiError with the stable code, and passes subscriptions through', async () => {
    const calls: [string, unknown][] = [];
    const listeners: Listener[] = [];
    const api = createApiClient({
      async call(method, args): Promise<ApiResult<unknown>> {
        calls.push([method, args]);
        return method === 'hold' ? { ok: false, error: { code: 'INVALID_STATE', message: 'Update 1 is done' } } : { ok: true, value: { echoed: args } };
      },
      subscribe(l) {
        listeners.push(l);
        return () => listeners.splice(listeners.indexOf(l), 1);
      },
    });
    expect(await api.listUpdates({ limit: 5 })).toEqual({ echoed: { limit: 5 } });
    const e = await api.hold({ id: 1 }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ name: 'ApiError', code: 'INVALID_STATE', message: 'Update 1 is done' });
    expect(calls).toEqual([['listUpdates', { limit: 5 }], ['hold', { id: 1 }]]);
    const off = api.subscribe(() => {});
    expect(listeners).toHaveLength(1);
    off();
    expect(listeners).toHaveLength(0);
    for (const m of API_METHODS) expect(typeof (api as unknown as Record<string, unknown>)[m], m).toBe('function');
  });
});
