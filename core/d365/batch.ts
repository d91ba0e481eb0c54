import { boundaryOf, splitHttpMessage, splitMultipart, writeHttpPart, MultipartSyntaxError } from './multipart.ts';

/** One request to put in a $batch. */
export interface BatchCall {
  method: 'GET' | 'PATCH';
  /** absolute; the request line is written from it in the connection's form */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** calls with the same group travel in one changeset / atomicity group: all or nothing */
  group?: string;
}

/** A call as it goes on the wire: its Content-ID and its request-line target decided. */
export interface WireCall {
  id: string;
  /** the call's place in the batch's list of calls */
  index: number;
  target: string;
  call: BatchCall;
}

/** The unit a batch is written in: a plain request, or an atomic group of several. */
export interface WireGroup {
  atomic: boolean;
  calls: WireCall[];
}

/** One answer read out of a $batch response. */
export interface BatchReply {
  /** the Content-ID (multipart) or id (JSON) it names, if any */
  contentId: string | undefined;
  /** which top-level part (multipart) or response (JSON) it came in, and its place inside */
  item: number;
  index: number;
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** A written batch, and which calls each top-level item holds (to place answers without ids). */
export interface WrittenBatch {
  contentType: string;
  body: string;
  layout: WireCall[][];
}

/**
 * An OData 4.0 multipart/mixed batch. GETs go in as plain parts; each atomic group (one order's
 * PATCHes) is a changeset of its own, so one order's 412 or 400 rolls back only that order.
 * Every part carries a Content-ID, so answers can be matched whatever order they come in.
 */
export function buildMultipartBatch(groups: readonly WireGroup[], newId: () => string): WrittenBatch {
  const boundary = `batch_${newId()}`;
  const out: string[] = [];
  for (const group of groups) {
    out.push(`--${boundary}\r\n`);
    if (!group.atomic) {
      out.push(httpPart(group.calls[0]!));
      continue;
    }
    const changeset = `changeset_${newId()}`;
    out.push(`Content-Type: multipart/mixed; boundary=${changeset}\r\n\r\n`);
    for (const call of group.calls) out.push(`--${changeset}\r\n`, httpPart(call));
    out.push(`--${changeset}--\r\n`);
  }
  out.push(`--${boundary}--\r\n`);
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: out.join(''), layout: groups.map((g) => g.calls) };
}

function httpPart({ id, target, call }: WireCall): string {
  return `${writeHttpPart(id, `${call.method} ${target} HTTP/1.1`, call.headers, call.body ?? '')}\r\n`;
}

/**
 * Reads every part of a multipart $batch answer, changesets flattened, with where each came
 * from. The batch may answer 200 (or, on some servers, 400) whatever its parts did: each
 * part's own status is what counts.
 */
export function parseMultipartReply(contentType: string | undefined, body: string): BatchReply[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new MultipartSyntaxError(`the $batch answer is not multipart/mixed (Content-Type ${JSON.stringify(contentType ?? '')})`);
  const replies: BatchReply[] = [];
  splitMultipart(body, boundary).forEach((part, item) => {
    const inner = boundaryOf(part.headers['content-type']);
    const parts = inner ? splitMultipart(part.content, inner) : [part];
    parts.forEach((p, index) => replies.push(httpReply(p.headers, p.content, item, index)));
  });
  return replies;
}

function httpReply(mime: Record<string, string>, content: string, item: number, index: number): BatchReply {
  const { startLine, headers, body } = splitHttpMessage(content);
  const m = /^HTTP\/1\.[01]\s+(\d{3})\b/.exec(startLine);
  if (!m) throw new MultipartSyntaxError(`malformed status line in a $batch answer: ${JSON.stringify(startLine.slice(0, 80))}`);
  // some servers put the Content-ID among the inner response's headers
  const contentId = mime['content-id'] ?? headers['content-id'];
  return { contentId: contentId === '' ? undefined : contentId, item, index, status: Number(m[1]), headers, text: body };
}
