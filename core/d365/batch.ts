import { boundaryOf, splitHttpMessage, splitMultipart, MultipartSyntaxError } from './multipart.ts';

/** One request to put in a $batch. */
export interface BatchCall {
  method: 'GET' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** One answer read out of a $batch response; the same shape as a plain response. */
export interface BatchReply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * An OData 4.0 multipart/mixed batch. GETs go in as plain parts; every PATCH goes in a
 * changeset of its own, so one order's 412 or 400 rolls back only that order.
 */
export function buildBatch(calls: readonly BatchCall[], newId: () => string): { contentType: string; body: string } {
  const boundary = `batch_${newId()}`;
  const out: string[] = [];
  calls.forEach((call, i) => {
    out.push(`--${boundary}\r\n`);
    const request = httpPart(call, call.method === 'PATCH' ? String(i + 1) : undefined);
    if (call.method === 'GET') {
      out.push(request);
      return;
    }
    const changeset = `changeset_${newId()}`;
    out.push(`Content-Type: multipart/mixed; boundary=${changeset}\r\n\r\n`, `--${changeset}\r\n`, request, `--${changeset}--\r\n`);
  });
  out.push(`--${boundary}--\r\n`);
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: out.join('') };
}

function httpPart(call: BatchCall, contentId: string | undefined): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId !== undefined) lines.push(`Content-ID: ${contentId}`);
  lines.push('', `${call.method} ${call.url} HTTP/1.1`);
  for (const [name, value] of Object.entries(call.headers)) lines.push(`${name}: ${value}`);
  lines.push('', call.body ?? '', '');
  return lines.join('\r\n');
}

/**
 * Reads every part of a $batch answer in order, changesets flattened. A failed changeset may
 * answer with one response for all its requests; with one request per changeset that is one.
 * The batch itself answers 200 even when parts fail: each part's own status is what counts.
 */
export function parseBatchReply(contentType: string | undefined, body: string, expected: number): BatchReply[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new MultipartSyntaxError(`the $batch answer is not multipart/mixed (Content-Type ${JSON.stringify(contentType ?? '')})`);
  const replies: BatchReply[] = [];
  for (const part of splitMultipart(body, boundary)) {
    const inner = boundaryOf(part.headers['content-type']);
    if (inner) {
      for (const p of splitMultipart(part.content, inner)) replies.push(httpReply(p.content));
    } else {
      replies.push(httpReply(part.content));
    }
  }
  if (replies.length !== expected) throw new MultipartSyntaxError(`the $batch answer has ${replies.length} parts for ${expected} requests`);
  return replies;
}

function httpReply(content: string): BatchReply {
  const { startLine, headers, body } = splitHttpMessage(content);
  const m = /^HTTP\/1\.[01]\s+(\d{3})\b/.exec(startLine);
  if (!m) throw new MultipartSyntaxError(`malformed status line in a $batch answer: ${JSON.stringify(startLine.slice(0, 80))}`);
  return { status: Number(m[1]), headers, text: body };
}
