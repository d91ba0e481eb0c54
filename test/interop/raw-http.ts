import { request } from 'undici';
import { BC_COMPANY_ID, bcOrderId } from './cap/entity.ts';
import { AGENT_CLIENT, WRITER_CLIENT, type D365Server } from './d365-server.ts';

/**
 * Hand-written HTTP to the fixture, independent of the agent's client: what the server itself
 * does with tokens, ETags and $batch, before the agent is put in front of it.
 */

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  json(): Record<string, unknown>;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function reply(status: number, headers: Record<string, string>, text: string): Reply {
  return { status, headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

export async function http(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const res = await request(url, { method: method as 'GET', headers, body });
  return reply(res.statusCode, flatHeaders(res.headers), await res.body.text());
}

/** Where tokens come from: the fixture, or any server with an Entra-like token endpoint (the simulator). */
export type TokenAuthority = Pick<D365Server, 'url' | 'authorityUrl' | 'tenant'>;

export async function requestToken(server: TokenAuthority, client = AGENT_CLIENT, tenant = server.tenant): Promise<Reply> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret, scope: `${server.url}/.default` });
  return http('POST', `${server.authorityUrl}/${tenant}/oauth2/v2.0/token`, { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
}

export async function bearer(server: TokenAuthority, client = AGENT_CLIENT): Promise<string> {
  const r = await requestToken(server, client);
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
  return String(r.json().access_token);
}

/** `SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-000001')`, encoded as the agent encodes it. */
export function orderPath(orderNumber: string, company = 'USMF'): string {
  const lit = (v: string) => encodeURIComponent(`'${v.replace(/'/g, "''")}'`);
  return `SalesOrderHeadersV2(dataAreaId=${lit(company)},SalesOrderNumber=${lit(orderNumber)})`;
}

export interface BatchRequest {
  method: 'GET' | 'PATCH';
  url: string;
  contentId: string;
  headers?: Record<string, string>;
  body?: unknown;
}
export type BatchItem = BatchRequest | { changeset: BatchRequest[] };

function httpPart(r: BatchRequest): string {
  const head = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary', `Content-ID: ${r.contentId}`, '', `${r.method} ${r.url} HTTP/1.1`, 'Accept: application/json'];
  for (const [k, v] of Object.entries(r.headers ?? {})) head.push(`${k}: ${v}`);
  if (r.body !== undefined) head.push('Content-Type: application/json');
  return `${head.join('\r\n')}\r\n\r\n${r.body === undefined ? '' : JSON.stringify(r.body)}\r\n`;
}

/** An OData 4.0 multipart/mixed $batch body (boundary `batch_1`, changesets `changeset_N`). */
export function multipartBody(items: BatchItem[]): { contentType: string; body: string } {
  const out: string[] = [];
  items.forEach((item, i) => {
    out.push('--batch_1\r\n');
    if ('changeset' in item) {
      const b = `changeset_${i + 1}`;
      out.push(`Content-Type: multipart/mixed; boundary=${b}\r\n\r\n`);
      for (const r of item.changeset) out.push(`--${b}\r\n`, httpPart(r));
      out.push(`--${b}--\r\n`);
    } else {
      out.push(httpPart(item));
    }
  });
  out.push('--batch_1--\r\n');
  return { contentType: 'multipart/mixed; boundary=batch_1', body: out.join('') };
}

export interface PartReply {
  contentId: string | null;
  /** set when the part came inside a changeset's multipart */
  changeset: boolean;
  status: number;
  headers: Record<string, string>;
  body: string;
}

function boundaryOf(contentType: string | undefined): string | null {
  return /boundary=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2] ?? null;
}

function splitHead(text: string): { head: Record<string, string>; rest: string; first: string } {
  const at = text.indexOf('\r\n\r\n');
  const headText = at < 0 ? text : text.slice(0, at);
  const lines = headText.split('\r\n');
  const head: Record<string, string> = {};
  let first = '';
  for (const line of lines) {
    const c = line.indexOf(':');
    if (/^HTTP\/1\.\d /.test(line)) first = line;
    else if (c > 0) head[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return { head, rest: at < 0 ? '' : text.slice(at + 4), first };
}

function parts(body: string, boundary: string): string[] {
  const chunks = body.split(`--${boundary}`);
  // chunks[0] is the preamble; the last starts with "--" (the close delimiter)
  return chunks.slice(1).filter((c) => !c.startsWith('--')).map((c) => c.replace(/^\r\n/, '').replace(/\r\n$/, ''));
}

/** Every answered request of a multipart $batch answer, in order, changesets flattened. */
export function readMultipart(contentType: string | undefined, body: string): PartReply[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new Error(`not a multipart answer: ${contentType}`);
  const out: PartReply[] = [];
  const one = (text: string, changeset: boolean) => {
    const outer = splitHead(text);
    const inner = splitHead(outer.rest);
    const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(inner.first)?.[1] ?? 0);
    out.push({ contentId: outer.head['content-id'] ?? null, changeset, status, headers: inner.head, body: inner.rest });
  };
  for (const p of parts(body, boundary)) {
    const { head, rest } = splitHead(p);
    const inner = boundaryOf(head['content-type']);
    if (inner) for (const q of parts(rest, inner)) one(q, true);
    else one(p, false);
  }
  return out;
}

export async function postBatch(server: D365Server, token: string, items: BatchItem[], headers: Record<string, string> = {}): Promise<{ reply: Reply; parts: PartReply[] }> {
  const { contentType, body } = multipartBody(items);
  const r = await http('POST', `${server.serviceRoot}/$batch`, { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'multipart/mixed', ...headers }, body);
  return { reply: r, parts: r.status === 200 ? readMultipart(r.headers['content-type'], r.text) : [] };
}

/** BC's address of an order once its id is known: companies(<id>)/salesOrders(<id>). */
export function bcOrderPath(number: string): string {
  return `companies(${BC_COMPANY_ID})/salesOrders(${bcOrderId(number)})`;
}

/** Another user's write to a BC order: GET its ETag, PATCH with If-Match. */
export async function otherBcWrite(server: D365Server, number: string, fields: Record<string, unknown>): Promise<void> {
  const token = await bearer(server, WRITER_CLIENT);
  const url = `${server.url}/api/v2.0/${bcOrderPath(number)}`;
  const got = await http('GET', url, { authorization: `Bearer ${token}`, accept: 'application/json' });
  const r = await http('PATCH', url, { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': String(got.json()['@odata.etag']) }, JSON.stringify(fields));
  if (r.status !== 200) throw new Error(`BC write to ${number}: ${r.status} ${r.text}`);
}
