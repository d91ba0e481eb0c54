import type { IncomingMessage, ServerResponse } from 'node:http';
import { isApiMethod, type ApiMethod, type ApiResult } from '../../core/api.ts';

/** CSV imports may be large (a day offline); every other call is small. */
export const BODY_LIMITS = { large: 60 * 1024 * 1024, normal: 1024 * 1024 } as const;
const LARGE_BODY_METHODS: ReadonlySet<ApiMethod> = new Set(['importCsv', 'previewImport']);

export function bodyLimit(method: ApiMethod): number {
  return LARGE_BODY_METHODS.has(method) ? BODY_LIMITS.large : BODY_LIMITS.normal;
}

export class HttpFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpFailure';
    this.status = status;
    this.code = code;
  }
}

/**
 * Reads the whole body, refusing more than `limit` bytes before buffering them. The rest of an
 * oversized body is drained, not destroyed, so the client still gets to read the 413.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function tooLarge(limit: number): HttpFailure {
  return new HttpFailure(413, 'TOO_LARGE', `The request body is larger than ${Math.round(limit / 1024 / 1024)} MB.`);
}

/** `{ "args": … }`, the arguments still unknown: the agent parses them with the method's schema. */
export function parseCallBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpFailure(400, 'BAD_JSON', `The request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpFailure(400, 'BAD_JSON', 'The request body must be a JSON object like {"args": {…}}.');
  }
  const extra = Object.keys(body).filter((k) => k !== 'args');
  if (extra.length > 0) throw new HttpFailure(400, 'BAD_JSON', `Unexpected key ${JSON.stringify(extra[0])} in the request body; only "args" is allowed.`);
  return (body as { args?: unknown }).args;
}

export function methodFromPath(pathname: string): ApiMethod {
  const name = pathname.slice('/api/'.length);
  if (!isApiMethod(name)) throw new HttpFailure(404, 'UNKNOWN_METHOD', `Unknown API method ${JSON.stringify(name.slice(0, 80))}.`);
  return name;
}

/** Agent error codes as HTTP statuses; the body is the ApiResult either way. */
export function statusFor(result: ApiResult<unknown>): number {
  if (result.ok) return 200;
  switch (result.error.code) {
    case 'BAD_INPUT':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'INVALID_STATE':
      return 409;
    case 'INTERNAL':
      return 500;
    default:
      return 422;
  }
}

export function sendResult(res: ServerResponse, status: number, result: ApiResult<unknown>, headers: Readonly<Record<string, string>>): void {
  const body = JSON.stringify(result);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

export function failure(code: string, message: string): ApiResult<never> {
  return { ok: false, error: { code, message } };
}
