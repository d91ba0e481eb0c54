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

/**
 * One application/http part: its MIME headers (Content-ID when there is one), a blank line, then
 * the HTTP message: start line, headers, a blank line, the body. The delimiter around it is the caller's.
 */
export function writeHttpPart(contentId: string | undefined, startLine: string, headers: Readonly<Record<string, string>>, body: string): string {
  let out = 'Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n';
  if (contentId !== undefined) out += `Content-ID: ${contentId}\r\n`;
  out += `\r\n${startLine}\r\n`;
  for (const name of Object.keys(headers)) out += `${name}: ${headers[name]}\r\n`;
  return `${out}\r\n${body}`;
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

/**
 * Splits a multipart body at its boundary delimiter lines, tolerating bare LF. It looks for the
 * delimiter rather than reading line by line: a $batch answer of 100 parts is about 50 KB, read
 * on every round trip, and a string per line was most of its parsing.
 */
export function splitMultipart(body: string, boundary: string): MimePart[] {
  const delimiter = `--${boundary}`;
  const parts: MimePart[] = [];
  let partStart = -1; // lines before the first delimiter are preamble
  for (let at = body.indexOf(delimiter); at >= 0; at = body.indexOf(delimiter, at + delimiter.length)) {
    if (at > 0 && body.charCodeAt(at - 1) !== LF) continue;
    const line = lineAt(body, at);
    const rest = body.slice(at + delimiter.length, line.end).trimEnd();
    if (rest !== '' && rest !== '--') continue; // a line that merely starts with the boundary
    // the line break before a delimiter belongs to the delimiter
    if (partStart >= 0) parts.push(mimePart(body, partStart, Math.max(partStart, at - (body.charCodeAt(at - 2) === CR ? 2 : 1))));
    if (rest === '--') return parts;
    partStart = line.next;
  }
  throw new MultipartSyntaxError(`The batch is missing its closing boundary '${delimiter}--'.`);
}

const CR = 13;
const LF = 10;

/** The line that starts at `from`: where it ends (before CRLF or LF) and where the next one starts. */
function lineAt(text: string, from: number, limit = text.length): { end: number; next: number } {
  const lf = text.indexOf('\n', from);
  if (lf < 0 || lf >= limit) return { end: limit, next: limit };
  return { end: lf > from && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf, next: lf + 1 };
}

/** The header lines from `from` up to the first blank line, and where what follows that line starts (-1: no blank line). */
function headerBlock(text: string, from: number, end: number): { lines: string[]; after: number } {
  const lines: string[] = [];
  for (let at = from; at < end; ) {
    const line = lineAt(text, at, end);
    const header = text.slice(at, line.end);
    if (header.trim() === '') return { lines, after: line.next };
    lines.push(header);
    at = line.next;
  }
  return { lines, after: -1 };
}

function mimePart(text: string, from: number, end: number): MimePart {
  const { lines, after } = headerBlock(text, from, end);
  return { headers: parseHeaderLines(lines), content: after < 0 ? '' : text.slice(after, end) };
}

/** The start line, headers and body of an application/http part. */
export function splitHttpMessage(content: string): { startLine: string; headers: Record<string, string>; body: string } {
  let at = 0;
  let line = lineAt(content, 0);
  while (at < content.length && content.slice(at, line.end).trim() === '') {
    at = line.next;
    line = lineAt(content, at);
  }
  const { lines, after } = headerBlock(content, line.next, content.length);
  return { startLine: content.slice(at, line.end).trim(), headers: parseHeaderLines(lines), body: after < 0 ? '' : content.slice(after).trim() };
}
