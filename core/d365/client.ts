import { Agent, request, type Dispatcher } from 'undici';
import type { Fields, FieldValue, OrderKey } from '../outbox/types.ts';
import type { BatchCall } from './batch.ts';
import { BatchExchange } from './batch-exchange.ts';
import type { BatchSettings } from './batch-settings.ts';
import type { EntityModel } from './edm.ts';
import { D365Error, disposition, isD365Error, networkError, parseRetryAfter } from './errors.ts';
import { readLimited } from './http-body.ts';
import { MetadataError, parseMetadata } from './metadata-xml.ts';
import { orderReadUrl, orderWriteUrl, type EntityProfile } from './profile.ts';
import type { TokenSource } from './token.ts';

export interface Timeouts {
  connectMs: number;
  headersMs: number;
  /** the longest pause between two chunks of an answer */
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };

/** Every request, answer included, must be over within this: a server trickling a byte at a time cannot hold the drain. */
export const DEFAULT_DEADLINE_MS = 120_000;

/** A whole environment's $metadata (F&O: every public entity) is tens of megabytes; more than this is not metadata. */
export const MAX_METADATA_BYTES = 256 * 1024 * 1024;

/** Keep-alive pool with explicit timeouts: one per agent, shared by token and data calls. */
export function createDispatcher(timeouts: Timeouts = DEFAULT_TIMEOUTS): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    connections: 4,
  });
}

/** Orders to read, each with the fields it needs. */
export interface OrdersToRead {
  keys: readonly Pick<OrderKey, 'company' | 'orderNumber'>[];
  fields: readonly (readonly string[])[];
}

export interface WriteResults {
  written: ({ etag: string | null } | D365Error)[];
  /** the reads that travelled with the writes (none unless asked for) */
  read: (OrderSnapshot | D365Error)[];
}

/** What D365 holds for an order right now. */
export interface OrderSnapshot {
  values: Fields;
  etag: string;
  /** the address to PATCH (differs from the GET URL for Business Central) */
  url: string;
}

export interface D365ClientOptions {
  /** the OData service root, e.g. https://contoso.operations.dynamics.com/data */
  serviceRoot: string;
  profile: EntityProfile;
  tokens: TokenSource;
  dispatcher: Dispatcher;
  now?: () => number;
  /** responses larger than this are refused as BAD_RESPONSE */
  maxBodyBytes?: number;
  /** use $batch for several orders (default true; turned off for a while by itself when the server's answers are unusable) */
  batch?: boolean;
  /** overall deadline of one request, answer included (default DEFAULT_DEADLINE_MS) */
  deadlineMs?: number;
  /** what this connection learned about its server's $batch before (kept in the connection's settings) */
  batchSettings?: BatchSettings;
  /** the client learned something about the server worth keeping; `notice` tells people when sending changes its way */
  onBatchLearned?: (settings: BatchSettings, notice: string | null) => void;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}


function describeRead(key: Pick<OrderKey, 'company' | 'orderNumber'>): string {
  return `GET order ${key.orderNumber} (${key.company})`;
}

function patchHeaders(snapshot: OrderSnapshot): Record<string, string> {
  return { 'if-match': snapshot.etag, 'content-type': 'application/json' };
}

function attempt<T>(fn: () => T): T | D365Error {
  try {
    return fn();
  } catch (e) {
    if (isD365Error(e)) return e;
    throw e;
  }
}

/** Talks OData to one D365 environment: GET with $select, PATCH with If-Match. */
export class D365Client {
  readonly serviceRoot: string;
  readonly profile: EntityProfile;
  private readonly tokens: TokenSource;
  private readonly dispatcher: Dispatcher;
  private readonly now: () => number;
  private readonly maxBodyBytes: number;
  private readonly deadlineMs: number;
  private readonly batches: BatchExchange;

  constructor(options: D365ClientOptions) {
    this.serviceRoot = options.serviceRoot.replace(/\/+$/, '');
    this.profile = options.profile;
    this.tokens = options.tokens;
    this.dispatcher = options.dispatcher;
    this.now = options.now ?? Date.now;
    this.maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.batches = new BatchExchange({
      serviceRoot: this.serviceRoot,
      format: this.profile.batch.format,
      maxOperations: this.profile.batch.maxOperations,
      enabled: options.batch !== false,
      settings: options.batchSettings ?? {},
      now: this.now,
      onLearned: options.onBatchLearned,
      transport: {
        // a $batch answer is judged by the exchange, whatever its status; throttling and credentials are the connection's
        post: (body, headers, what) => this.send('POST', `${this.serviceRoot}/$batch`, body, headers, what, (status) => ![401, 403, 429, 503].includes(status)),
        singly: (calls, whats) => this.singly(calls, whats),
        classify: (answer, what) => this.classify(answer, what),
      },
    });
  }

  /** Whether several orders go in one $batch (unknown until the server answered one; false while sending singly). */
  get batching(): boolean | null {
    return this.batches.batching;
  }

  /** The most operations one $batch may hold on this connection (the profile's, or the connection's lower one). */
  get maxBatchOperations(): number {
    return this.batches.maxOperations;
  }

  /** What this client knows about its server's $batch. */
  get batchSettings(): BatchSettings {
    return this.batches.settings;
  }

  /** The URL that reads an order with the given fields. */
  orderUrl(key: Pick<OrderKey, 'company' | 'orderNumber'>, fields: readonly string[]): string {
    return orderReadUrl(this.profile, this.serviceRoot, key, fields);
  }

  async getOrder(key: Pick<OrderKey, 'company' | 'orderNumber'>, fields: readonly string[]): Promise<OrderSnapshot> {
    const url = this.orderUrl(key, fields);
    const what = describeRead(key);
    return this.snapshotOf(await this.send('GET', url, undefined, {}, what), key, fields, url, what);
  }

  /** PATCH only the given fields, guarded by If-Match. Returns the new ETag when D365 gives one. */
  async patchOrder(snapshot: OrderSnapshot, fields: Fields, what: string): Promise<{ etag: string | null }> {
    const answer = await this.send('PATCH', snapshot.url, JSON.stringify(fields), patchHeaders(snapshot), what);
    return this.patchResult(answer, what);
  }

  /**
   * Reads several orders: one $batch where the server takes them, else one GET each. Errors
   * that concern one order come back in its place; one that concerns the connection
   * (throttled, offline, credentials) stops further requests and stands for the rest.
   */
  async readOrders(keys: readonly Pick<OrderKey, 'company' | 'orderNumber'>[], fields: readonly (readonly string[])[]): Promise<(OrderSnapshot | D365Error)[]> {
    const reads = this.readCalls({ keys, fields });
    return reads.settle(await this.exchange(reads.calls, reads.whats));
  }

  /**
   * PATCHes several orders, each order's writes in a changeset / atomicity group of their own
   * (atomic per order, not across). `ahead`: reads of other orders (the next group) that travel
   * in the same $batch, so a steady drain does a round trip's work of two.
   */
  async writeOrders(items: readonly { snapshot: OrderSnapshot; fields: Fields; what: string }[], ahead?: OrdersToRead): Promise<WriteResults> {
    const calls: BatchCall[] = items.map((it) => ({
      method: 'PATCH',
      url: it.snapshot.url,
      headers: patchHeaders(it.snapshot),
      body: JSON.stringify(it.fields),
      group: it.snapshot.url,
    }));
    const reads = this.readCalls(ahead ?? { keys: [], fields: [] });
    const answers = await this.exchange([...calls, ...reads.calls], [...items.map((it) => it.what), ...reads.whats]);
    return {
      written: answers.slice(0, calls.length).map((a, i) => (a instanceof D365Error ? a : attempt(() => this.patchResult(a, items[i]!.what)))),
      read: reads.settle(answers.slice(calls.length)),
    };
  }

  private readCalls(r: OrdersToRead) {
    const urls = r.keys.map((k, i) => this.orderUrl(k, r.fields[i]!));
    const whats = r.keys.map(describeRead);
    return {
      calls: urls.map((url): BatchCall => ({ method: 'GET', url, headers: { accept: 'application/json' } })),
      whats,
      settle: (answers: (Answer | D365Error)[]) =>
        answers.map((a, i) => (a instanceof D365Error ? a : attempt(() => this.snapshotOf(a, r.keys[i]!, r.fields[i]!, urls[i]!, whats[i]!)))),
    };
  }

  private exchange(calls: BatchCall[], whats: string[]): Promise<(Answer | D365Error)[]> {
    return this.batches.exchange(calls, whats);
  }

  /** One request per call; an error about the connection stops the rest and stands for them. */
  private async singly(calls: readonly BatchCall[], whats: readonly string[]): Promise<(Answer | D365Error)[]> {
    const out: (Answer | D365Error)[] = [];
    let stop: D365Error | null = null;
    for (const [i, call] of calls.entries()) {
      if (stop) {
        out.push(stop);
        continue;
      }
      try {
        out.push(await this.send(call.method, call.url, call.body, call.headers, whats[i]!));
      } catch (e) {
        if (!isD365Error(e)) throw e;
        out.push(e);
        // About the connection rather than one order: no point sending the rest.
        if (disposition(e.code) === 'pause') stop = e;
      }
    }
    return out;
  }

  private snapshotOf(answer: Answer, key: Pick<OrderKey, 'company' | 'orderNumber'>, fields: readonly string[], url: string, what: string): OrderSnapshot {
    const json = this.parseJson(answer, what);
    let row: Record<string, unknown> = json;
    if (this.profile.addressing === 'filter') {
      const rows = json.value;
      if (!Array.isArray(rows)) throw new D365Error('BAD_RESPONSE', `${what}: the answer has no "value" list`, { status: answer.status });
      if (rows.length === 0) throw new D365Error('NOT_FOUND', `${what}: D365 has no such order`, { status: 404 });
      row = rows[0] as Record<string, unknown>;
    }
    const patchUrl = orderWriteUrl(this.profile, this.serviceRoot, key, url, row);
    if (!patchUrl) throw new D365Error('BAD_RESPONSE', `${what}: the order has no ${this.profile.idField}`, { status: answer.status });
    const etag = etagOf(row, answer.headers);
    if (!etag) throw new D365Error('BAD_RESPONSE', `${what}: the answer carries no ETag (@odata.etag), so a safe update is impossible`, { status: answer.status });
    const values: Fields = {};
    for (const f of fields) values[f] = (row[f] ?? null) as FieldValue;
    return { values, etag, url: patchUrl };
  }

  private patchResult(answer: Answer, what: string): { etag: string | null } {
    if (answer.status === 204 || answer.text.trim() === '') return { etag: headerEtag(answer.headers) };
    return { etag: etagOf(this.parseJson(answer, what), answer.headers) };
  }

  /**
   * The entity's fields with their types, from $metadata (to check values when they are queued).
   * F&O's document describes every entity of the environment, so it may be far larger than any
   * other answer.
   */
  async entityModel(signal?: AbortSignal): Promise<EntityModel> {
    const what = 'GET $metadata';
    const answer = await this.send('GET', `${this.serviceRoot}/$metadata`, undefined, { accept: 'application/xml' }, what, undefined, { maxBytes: MAX_METADATA_BYTES, signal });
    try {
      return await parseMetadata(answer.text, this.profile.entitySet);
    } catch (e) {
      if (e instanceof MetadataError) throw new D365Error('BAD_RESPONSE', `${what}: ${e.message}`, { status: answer.status });
      throw e;
    }
  }

  /** `accept`: statuses handed back as answers instead of thrown (a $batch answer is judged whole). */
  private async send(
    method: 'GET' | 'PATCH' | 'POST',
    url: string,
    body: string | undefined,
    headers: Record<string, string>,
    what: string,
    accept?: (status: number) => boolean,
    limits: { maxBytes?: number; signal?: AbortSignal } = {},
  ): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.token();
      let answer: Answer;
      try {
        const res = await request(url, {
          method,
          dispatcher: this.dispatcher,
          headers: {
            accept: 'application/json',
            'odata-version': '4.0',
            'odata-maxversion': '4.0',
            ...headers,
            authorization: `Bearer ${token}`,
          },
          body,
          signal: limits.signal ? AbortSignal.any([limits.signal, AbortSignal.timeout(this.deadlineMs)]) : AbortSignal.timeout(this.deadlineMs),
        });
        answer = { status: res.statusCode, headers: res.headers, text: await readLimited(res.body, limits.maxBytes ?? this.maxBodyBytes, what) };
      } catch (e) {
        throw networkError(e, what, this.deadlineMs);
      }
      if (answer.status === 401 && attempt === 0) {
        // A token can be revoked or expire early: refresh once, then believe the 401.
        this.tokens.invalidate();
        continue;
      }
      if ((answer.status >= 200 && answer.status < 300) || accept?.(answer.status)) return answer;
      throw this.classify(answer, what);
    }
  }

  private classify(a: Answer, what: string): D365Error {
    const message = serverMessage(a);
    const status = a.status;
    const p = this.profile;
    if (p.concurrencyStatuses.includes(status) || (status === 500 && message.toLowerCase().includes(p.conflictText))) {
      return new D365Error('CONCURRENCY', `${what}: the order changed in D365 since it was read (${status}: ${message})`, { status });
    }
    if (status === 429 || status === 503) {
      const wait = parseRetryAfter(a.headers['retry-after'], this.now());
      return new D365Error('THROTTLED', `${what}: D365 is throttling requests (${status})${wait === null ? '' : `; asked to wait ${Math.ceil(wait / 1000)} s`}`, {
        status,
        retryAfterMs: wait,
      });
    }
    if (status === 401 || status === 403) return new D365Error('UNAUTHORIZED', `${what}: D365 rejected the credentials (${status}: ${message})`, { status });
    if (status === 404) return new D365Error('NOT_FOUND', `${what}: not found in D365 (${message})`, { status });
    if (status === 400 || status === 422) return new D365Error('VALIDATION', `${what}: D365 refused it: ${message}`, { status });
    if (status >= 500) return new D365Error('SERVER', `${what}: D365 failed (${status}: ${message})`, { status });
    return new D365Error('BAD_RESPONSE', `${what}: unexpected HTTP ${status} (${message})`, { status });
  }

  private parseJson(a: Answer, what: string): Record<string, unknown> {
    const type = String(a.headers['content-type'] ?? '');
    if (/html/i.test(type) || /^\s*</.test(a.text)) {
      throw new D365Error('BAD_RESPONSE', `${what}: D365 answered ${a.status} with an HTML page (${htmlTitle(a.text)}) instead of JSON`, { status: a.status });
    }
    try {
      const json = JSON.parse(a.text) as unknown;
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
      return json as Record<string, unknown>;
    } catch {
      throw new D365Error('BAD_RESPONSE', `${what}: D365 answered ${a.status} with something that is not valid JSON: ${JSON.stringify(a.text.slice(0, 80))}`, {
        status: a.status,
      });
    }
  }
}

function headerEtag(headers: Answer['headers']): string | null {
  const h = headers.etag;
  const v = Array.isArray(h) ? h[0] : h;
  return v && v !== '' ? v : null;
}

function etagOf(row: Record<string, unknown>, headers: Answer['headers']): string | null {
  const e = row['@odata.etag'];
  return typeof e === 'string' && e !== '' ? e : headerEtag(headers);
}

function htmlTitle(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  if (title) return `"${title.slice(0, 100)}"`;
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain ? `"${plain.slice(0, 100)}"` : 'empty page';
}

/** D365's own words: OData error.message plus the inner message where the real cause is. */
export function serverMessage(a: Pick<Answer, 'text' | 'headers'>): string {
  try {
    const json = JSON.parse(a.text) as { error?: { message?: unknown; innererror?: { message?: unknown } } };
    const outer = typeof json.error?.message === 'string' ? json.error.message : '';
    const inner = typeof json.error?.innererror?.message === 'string' ? json.error.innererror.message : '';
    const text = [outer, inner].filter((s, i, all) => s && all.indexOf(s) === i).join(' — ');
    if (text) return text.slice(0, 1000);
  } catch {
    // not JSON: fall through to a plain excerpt
  }
  if (/^\s*</.test(a.text)) return `HTML page ${htmlTitle(a.text)}`;
  const plain = a.text.trim().slice(0, 200);
  return plain === '' ? 'no details' : plain;
}
