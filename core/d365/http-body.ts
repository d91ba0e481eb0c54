import { D365Error } from './errors.ts';

/** Reads a response body up to `limit` bytes; a larger answer is refused, never buffered whole. */
export async function readLimited(body: AsyncIterable<Buffer | Uint8Array> & { destroy?: () => void }, limit: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy?.();
      throw new D365Error('BAD_RESPONSE', `${what}: the answer is larger than ${limit} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Replaces every form a secret may take in a text (as given, URL- or form-encoded) with [redacted]. */
export function redact(text: string, secret: string): string {
  if (secret.length < 4) return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) out = out.split(form).join('[redacted]');
  return out;
}
