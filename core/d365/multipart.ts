/**
 * MIME multipart/mixed as OData 4.0 $batch uses it (RFC 2046): shared by the D365 client,
 * which writes batches and reads their answers, and by the simulator, which does the reverse.
 */
export class MultipartSyntaxError extends Error {
  override readonly name = 'MultipartSyntaxError';
}

export interface MimePart {
  /** lower-case names */
  headers: Record<string, string>;
  content: string;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/mixed\b/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function parseHeaderLines(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartSyntaxError(`Malformed header line in batch: '${line}'.`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Splits a multipart body at its boundary delimiter lines, tolerating bare LF. */
export function splitMultipart(body: string, boundary: string): MimePart[] {
  const lines = body.split(/\r?\n/);
  const delimiter = `--${boundary}`;
  const parts: string[][] = [];
  let current: string[] | undefined;
  let closed = false;
  for (const line of lines) {
    const bare = line.trimEnd();
    if (bare === delimiter) {
      current = [];
      parts.push(current);
      continue;
    }
    if (bare === `${delimiter}--`) {
      closed = true;
      break;
    }
    current?.push(line); // lines before the first delimiter are preamble
  }
  if (!closed) throw new MultipartSyntaxError(`The batch is missing its closing boundary '${delimiter}--'.`);
  return parts.map((partLines) => {
    const blank = partLines.findIndex((l) => l.trim() === '');
    const headerLines = blank < 0 ? partLines : partLines.slice(0, blank);
    const content = blank < 0 ? '' : partLines.slice(blank + 1).join('\r\n');
    return { headers: parseHeaderLines(headerLines), content };
  });
}

/** The start line, headers and body of an application/http part. */
export function splitHttpMessage(content: string): { startLine: string; headers: Record<string, string>; body: string } {
  const lines = content.split('\r\n');
  while (lines.length > 0 && (lines[0] ?? '').trim() === '') lines.shift();
  const rest = lines.slice(1);
  const blank = rest.findIndex((l) => l.trim() === '');
  const headerLines = blank < 0 ? rest : rest.slice(0, blank);
  const body = blank < 0 ? '' : rest.slice(blank + 1).join('\r\n').trim();
  return { startLine: (lines[0] ?? '').trim(), headers: parseHeaderLines(headerLines), body };
}
