/**
 * Requests and answers as plain data, so that the same handlers serve a socket and the parts
 * of a $batch, and faults can reshape an answer before it goes on the wire.
 */

export interface SimRequest {
  method: string;
  /** path and query exactly as sent (still percent-encoded) */
  target: string;
  /** lower-case names */
  headers: Readonly<Record<string, string>>;
  body: string;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const ODATA_JSON =
  'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'Content-Type': ODATA_JSON, 'OData-Version': '4.0', ...headers },
    body: JSON.stringify(value),
  };
}

export interface ODataErrorDetail {
  code?: string;
  innererror?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The error envelope both F&O and Business Central use: {"error":{"code","message",…}}. */
export function odataError(status: number, message: string, detail: ODataErrorDetail = {}): SimResponse {
  const error: Record<string, unknown> = { code: detail.code ?? '', message };
  if (detail.innererror) error.innererror = detail.innererror;
  return jsonResponse(status, { error }, detail.headers);
}

export function noContent(headers: Record<string, string> = {}): SimResponse {
  return { status: 204, headers: { 'OData-Version': '4.0', ...headers }, body: '' };
}

export function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  return headers[name.toLowerCase()];
}

/** Decodes for display and matching; a malformed escape leaves the text as sent. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Drops `@odata.etag` from an answer (body and header), as a misbehaving proxy or server might. */
export function withoutEtag(response: SimResponse): SimResponse {
  const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => name.toLowerCase() !== 'etag'));
  let body = response.body;
  if (body !== '' && (headers['Content-Type'] ?? '').startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body);
      body = JSON.stringify(stripEtags(parsed));
    } catch {
      // not JSON after all: leave it as it is
    }
  }
  return { status: response.status, headers, body };
}

function stripEtags(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripEtags);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key !== '@odata.etag') out[key] = key === 'value' ? stripEtags(inner) : inner;
    }
    return out;
  }
  return value;
}
