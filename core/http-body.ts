/**
 * Reads a body up to `limit` bytes: a larger one is refused with `tooLarge()` as soon as it
 * passes the limit, never buffered whole (the client reading D365's answers, the simulator
 * reading requests). The headless server drains instead, so its client still reads the 413.
 */
export async function readUpTo(body: AsyncIterable<Buffer | Uint8Array> & { destroy?: () => void }, limit: number, tooLarge: () => Error): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy?.();
      throw tooLarge();
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
