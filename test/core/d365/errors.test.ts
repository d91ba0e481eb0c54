import { describe, expect, it } from 'vitest';
import { D365Error, disposition, isD365Error, networkError, parseRetryAfter, type D365ErrorCode } from '../../../core/d365/errors.ts';

const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);

describe('parseRetryAfter', () => {
  it('reads delta-seconds, trimmed, from a header or the first of a repeated header', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 5 ', NOW)).toBe(5000);
    expect(parseRetryAfter(['3', '900'], NOW)).toBe(3000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
  });

  it('never caps what D365 asks for, however long', () => {
    expect(parseRetryAfter('86400', NOW)).toBe(86_400_000);
    expect(parseRetryAfter('3000000', NOW)).toBe(3_000_000_000);
  });

  it('reads an HTTP date as the time left until then, and a date already past as no wait', () => {
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 07:00:00 GMT', NOW)).toBe(0);
  });

  it('a missing or empty header is no answer at all', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
    expect(parseRetryAfter('', NOW)).toBeNull();
    expect(parseRetryAfter('   ', NOW)).toBeNull();
    expect(parseRetryAfter('soon', NOW)).toBeNull();
  });

  // Neither delta-seconds nor an HTTP date (RFC 9110 §10.2.3): read as "not given" (the drain's
  // default wait), not as a date in 2001 that means "send again at once".
  it('a malformed value is not given, not a wait of 0', () => {
    for (const v of ['1.5', '-1', '12 apples', 'tomorrow 5']) expect(parseRetryAfter(v, NOW), v).toBeNull();
  });
});

describe('disposition: what an error means for its update', () => {
  const table: Record<D365ErrorCode, ReturnType<typeof disposition>> = {
    VALIDATION: 'refused',
    NOT_FOUND: 'refused',
    CONCURRENCY: 'race',
    NOT_EXECUTED: 'not-sent',
    THROTTLED: 'pause',
    UNAUTHORIZED: 'pause',
    AUTH_FAILED: 'pause',
    OFFLINE: 'pause',
    BAD_RESPONSE: 'pause',
    SERVER: 'pause',
  };
  for (const [code, expected] of Object.entries(table)) {
    it(`${code} → ${expected}`, () => expect(disposition(code as D365ErrorCode)).toBe(expected));
  }
});

describe('D365Error', () => {
  it('keeps code, status, the wait asked for and the cause; recognised by its tag across copies', () => {
    const cause = new Error('socket');
    const e = new D365Error('THROTTLED', 'slow down', { status: 429, retryAfterMs: 1000, cause });
    expect(e).toMatchObject({ name: 'D365Error', code: 'THROTTLED', status: 429, retryAfterMs: 1000, message: 'slow down' });
    expect(e.cause).toBe(cause);
    expect(isD365Error(e)).toBe(true);
    // structured clone (a worker, IPC) loses the prototype but keeps the tag
    expect(isD365Error({ ...e, tag: e.tag })).toBe(true);
    expect(isD365Error(new Error('x'))).toBe(false);
    expect(isD365Error(null)).toBe(false);
    expect(new D365Error('SERVER', 'x')).toMatchObject({ status: null, retryAfterMs: null });
  });
});

describe('networkError', () => {
  const what = 'GET order SO-1 (USMF)';

  it('names the reason a person can read, whether the code is on the error or its cause', () => {
    const refused = networkError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), what);
    expect(refused).toMatchObject({ code: 'OFFLINE', message: `${what}: D365 is not reachable — connection refused` });
    const dns = networkError(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }), what);
    expect(dns.message).toMatch(/host name not found \(DNS\)$/);
    expect(networkError({ code: 'UND_ERR_HEADERS_TIMEOUT' }, what).message).toMatch(/no answer in time$/);
  });

  it('a deadline that ran out says how long it was', () => {
    const e = networkError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), what, 120_000);
    expect(e.message).toMatch(/no complete answer within 120 s$/);
  });

  it('recognises TLS trouble by its code or message', () => {
    expect(networkError({ code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, what).message).toMatch(/TLS certificate problem \(CERT_HAS_EXPIRED\)/);
    expect(networkError(new Error('self signed certificate in chain'), what).message).toMatch(/TLS certificate problem/);
  });

  it('falls back to the message, keeps the cause, and passes a D365Error through unchanged', () => {
    const cause = new Error('something odd');
    const e = networkError(cause, what);
    expect(e.message).toBe(`${what}: D365 is not reachable — something odd`);
    expect(e.cause).toBe(cause);
    const throttled = new D365Error('THROTTLED', 'x');
    expect(networkError(throttled, what)).toBe(throttled);
  });
});
