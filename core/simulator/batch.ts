import { STATUS_CODES } from 'node:http';
import { MultipartSyntaxError, boundaryOf, splitHttpMessage, splitMultipart, writeHttpPart, type MimePart } from '../d365/multipart.ts';
import type { SimResponse } from './http-message.ts';

/** One request inside an OData 4.0 multipart $batch. */
export interface BatchRequest {
  contentId: string | undefined;
  method: string;
  url: string;
  /** lower-case names */
  headers: Record<string, string>;
  body: string;
}

export type BatchItem = { kind: 'request'; request: BatchRequest } | { kind: 'changeset'; requests: BatchRequest[] };

export interface BatchAnswer {
  contentId: string | undefined;
  response: SimResponse;
}

export type BatchResult = { kind: 'response'; answer: BatchAnswer } | { kind: 'changeset'; answers: BatchAnswer[] };

export { MultipartSyntaxError as BatchSyntaxError };

function parseHttpRequest(part: MimePart): BatchRequest {
  const type = part.headers['content-type'] ?? '';
  if (!/^application\/http\b/i.test(type)) throw new MultipartSyntaxError(`A batch part must be application/http, not '${type}'.`);
  const { startLine, headers, body } = splitHttpMessage(part.content);
  // lenient about spaces inside the URL: some clients do not encode them in batch parts
  const requestLine = /^([A-Z]+)\s+(.+?)(?:\s+HTTP\/1\.[01])?$/.exec(startLine);
  if (!requestLine) throw new MultipartSyntaxError(`Malformed request line in batch part: '${startLine}'.`);
  return { contentId: part.headers['content-id'], method: requestLine[1] as string, url: requestLine[2] as string, headers, body };
}

export function parseBatch(contentType: string | undefined, body: string): BatchItem[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new MultipartSyntaxError("The batch request must have Content-Type 'multipart/mixed' with a boundary.");
  return splitMultipart(body, boundary).map((part): BatchItem => {
    const changesetBoundary = boundaryOf(part.headers['content-type']);
    if (!changesetBoundary) return { kind: 'request', request: parseHttpRequest(part) };
    const requests = splitMultipart(part.content, changesetBoundary).map((inner) => {
      if (boundaryOf(inner.headers['content-type'])) throw new MultipartSyntaxError('Changesets cannot be nested.');
      const request = parseHttpRequest(inner);
      // the Content-ID may sit in the MIME headers or, from some clients, among the request's own
      return { ...request, contentId: request.contentId ?? request.headers['content-id'] };
    });
    return { kind: 'changeset', requests };
  });
}

function formatHttpResponse({ contentId, response }: BatchAnswer): string {
  const { status, headers, body } = response;
  return writeHttpPart(contentId, `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd(), headers, body);
}

export function formatBatch(results: readonly BatchResult[], newBoundary: (prefix: string) => string): { contentType: string; body: string } {
  const boundary = newBoundary('batchresponse_');
  const chunks: string[] = [];
  for (const result of results) {
    chunks.push(`--${boundary}\r\n`);
    if (result.kind === 'response') {
      chunks.push(formatHttpResponse(result.answer), '\r\n');
      continue;
    }
    const changeset = newBoundary('changesetresponse_');
    chunks.push(`Content-Type: multipart/mixed; boundary=${changeset}\r\n\r\n`);
    for (const answer of result.answers) chunks.push(`--${changeset}\r\n`, formatHttpResponse(answer), '\r\n');
    chunks.push(`--${changeset}--\r\n`);
  }
  chunks.push(`--${boundary}--\r\n`);
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: chunks.join('') };
}
