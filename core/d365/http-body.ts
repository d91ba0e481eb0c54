import { readUpTo } from '../http-body.ts';
import { D365Error } from './errors.ts';

/** Reads an answer from D365 up to `limit` bytes; a larger one is BAD_RESPONSE, never buffered whole. */
export function readLimited(body: AsyncIterable<Buffer | Uint8Array> & { destroy?: () => void }, limit: number, what: string): Promise<string> {
  return readUpTo(body, limit, () => new D365Error('BAD_RESPONSE', `${what}: the answer is larger than ${limit} bytes`));
}

/** Replaces every form a secret may take in a text (as given, URL- or form-encoded) with [redacted]. */
export function redact(text: string, secret: string): string {
  if (secret.length < 4) return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) out = out.split(form).join('[redacted]');
  return out;
}
