import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { D365Error } from '../../../core/d365/errors.ts';
import { readLimited, redact } from '../../../core/d365/http-body.ts';

describe('readLimited', () => {
  it('reads an answer up to the limit', async () => {
    expect(await readLimited(Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]), 7, 'GET x')).toBe('{"a":1}');
  });

  it('a larger answer is BAD_RESPONSE naming what was read and the limit', async () => {
    const e = await readLimited(Readable.from([Buffer.alloc(8)]), 7, 'GET $metadata').then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(D365Error);
    expect(e).toMatchObject({ code: 'BAD_RESPONSE', message: 'GET $metadata: the answer is larger than 7 bytes' });
  });
});

describe('redact', () => {
  it('replaces the secret as given, URL-encoded and form-encoded, every time it occurs', () => {
    const secret = 'a b+c/d&e';
    const text = `raw ${secret} url ${encodeURIComponent(secret)} form ${new URLSearchParams({ s: secret }).toString().slice(2)} again ${secret}`;
    expect(redact(text, secret)).toBe('raw [redacted] url [redacted] form [redacted] again [redacted]');
  });

  it('leaves text without the secret alone, and does not blank out every short string', () => {
    expect(redact('nothing to hide', 'hunter2')).toBe('nothing to hide');
    // a secret of 1–3 characters would turn every message into [redacted]: the settings refuse none that short in practice
    expect(redact('a b c', 'a')).toBe('a b c');
  });
});
