import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import { createDispatcher, D365Client } from '../../core/d365/client.ts';
import { profileNamed } from '../../core/d365/profile.ts';
import { EntraTokenSource } from '../../core/d365/token.ts';
import { Drainer, type DrainerOptions, type DrainSummary } from '../../core/engine/drainer.ts';
import { EventBus, type StampedEvent } from '../../core/events.ts';
import { Metrics } from '../../core/metrics.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import type { Fields } from '../../core/outbox/types.ts';
import { checkUpdate } from '../../core/outbox/update-input.ts';
import { BC_COMPANY_ID, bcOrderId, orderNumber } from './cap/entity.ts';
import { AGENT_CLIENT } from './d365-server.ts';

/** Short waits for tests: the engine harness's. */
export { FAST };

/** One request the agent is about to send for one order (a $batch names several). */
export interface OrderCall {
  method: 'GET' | 'PATCH';
  orderNumber: string;
  inBatch: boolean;
}

/** An enqueue the outbox acknowledged: what a person was told is queued. */
export type { Acknowledged } from '../support/history-checker.ts';
import type { Acknowledged } from '../support/history-checker.ts';
import { FAST } from '../core/engine/harness.ts';

export interface AgentRigOptions {
  drainer?: DrainerOptions;
  /** awaited before each request leaves the agent: other users and people act here */
  beforeSend?: (calls: OrderCall[]) => Promise<void>;
  /** drop the agent's `Prefer` header from $batch requests: a server that ignores continue-on-error */
  ignorePrefer?: boolean;
  /** the server applies this single request, then the connection drops before the agent reads the answer */
  resetAfterApplied?: (call: OrderCall) => boolean;
  /** an outbox file to open (another process may share it); default a fresh one in a temp folder */
  outboxFile?: string;
  /** the entity profile of the connection (default fo) */
  profile?: 'fo' | 'bc';
}

/** Where the agent is pointed: what a connection holds (and the secret, from the keychain). */
export interface Target {
  url: string;
  authorityUrl: string;
  tenant: string;
  /** default the fixture's AGENT_CLIENT */
  client?: { clientId: string; secret: string };
}

/** The answer never reaches the agent: the server has applied the request, the socket drops. */
function droppedAfterAnswer(handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
  const reset = Object.assign(new Error('other side closed (dropped by the interop test after the server applied the request)'), { code: 'UND_ERR_SOCKET' });
  return {
    onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
    onResponseStart: () => {},
    onResponseData: () => {},
    onResponseEnd: (controller) => handler.onResponseError?.(controller, reset),
    onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
  };
}

/** A request that left the agent (token requests included). */
export interface SentRequest {
  method: string;
  path: string;
  calls: OrderCall[];
  /** for a $batch: OData 4.0 multipart/mixed or 4.01 JSON */
  format: 'json' | 'multipart' | null;
}

/** How a request names its order: F&O's key predicate, BC's $filter, or BC's id once found. */
const ORDER_NAMED = [/SalesOrderNumber='((?:[^']|'')*)'/g, /number eq '((?:[^']|'')*)'/g];
const BC_ORDER_ID = /salesOrders\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)/g;
let bcNumbers: Map<string, string> | null = null;

function ordersIn(url: string): string[] {
  const text = decodeURIComponent(url);
  const named = ORDER_NAMED.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!.replace(/''/g, "'")));
  if (named.length > 0) return named;
  bcNumbers ??= new Map(Array.from({ length: 2000 }, (_, i) => [bcOrderId(orderNumber(i)), orderNumber(i)]));
  return [...text.matchAll(BC_ORDER_ID)].flatMap((m) => {
    const n = bcNumbers!.get(m[1]!);
    return n ? [n] : [];
  });
}

/** Which orders a request names: from its URL, or from the request lines of a $batch body. */
export function callsOf(method: string, urlPath: string, body: unknown): OrderCall[] {
  if (method === 'GET' || method === 'PATCH') return ordersIn(urlPath).map((orderNumber) => ({ method, orderNumber, inBatch: false }));
  if (method !== 'POST' || !urlPath.includes('$batch') || typeof body !== 'string') return [];
  const calls: OrderCall[] = [];
  if (batchFormat(body) === 'json') {
    for (const r of (JSON.parse(body) as { requests: { method: string; url: string }[] }).requests) {
      const m = r.method.toUpperCase();
      if (m === 'GET' || m === 'PATCH') for (const orderNumber of ordersIn(r.url)) calls.push({ method: m, orderNumber, inBatch: true });
    }
    return calls;
  }
  for (const line of body.matchAll(/^(GET|PATCH) (\S+) HTTP\/1\.1\r?$/gm)) {
    for (const orderNumber of ordersIn(line[2]!)) calls.push({ method: line[1] as 'GET' | 'PATCH', orderNumber, inBatch: true });
  }
  return calls;
}

function batchFormat(body: string): 'json' | 'multipart' {
  return body.trimStart().startsWith('{') ? 'json' : 'multipart';
}

function withoutPrefer(headers: Dispatcher.DispatchOptions['headers']): Dispatcher.DispatchOptions['headers'] {
  if (!headers || Array.isArray(headers) || typeof headers !== 'object' || Symbol.iterator in headers) return headers;
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'prefer'));
}

/** A dispatcher that records each request and lets the test act right before it goes out. */
function interposed(base: Dispatcher, sent: SentRequest[], o: AgentRigOptions): Dispatcher {
  return base.compose((dispatch) => (opts, handler) => {
    const calls = callsOf(String(opts.method), String(opts.path), opts.body);
    const batch = calls.some((c) => c.inBatch);
    sent.push({ method: String(opts.method), path: String(opts.path), calls, format: batch ? batchFormat(String(opts.body)) : null });
    const dropped = !batch && calls.length === 1 && o.resetAfterApplied?.(calls[0]!) === true;
    const go = () => dispatch(batch && o.ignorePrefer ? { ...opts, headers: withoutPrefer(opts.headers) } : opts, dropped ? droppedAfterAnswer(handler) : handler);
    if (calls.length === 0 || !o.beforeSend) return go();
    o.beforeSend(calls).then(go, go);
    return true;
  });
}

/**
 * The agent's own parts — a real outbox file, D365Client, EntraTokenSource, Drainer — wired as
 * Agent.buildClient wires them for an F&O connection, with only the environment URL and the
 * authority pointing at the fixture.
 */
export class AgentRig {
  readonly dir: string;
  readonly outbox: Outbox;
  readonly client: D365Client;
  readonly drainer: Drainer;
  readonly events = new EventBus();
  readonly seen: StampedEvent[] = [];
  readonly metrics: Metrics;
  readonly acknowledged: Acknowledged[] = [];
  readonly sent: SentRequest[] = [];
  private readonly pool: Dispatcher;

  constructor(server: Target, o: AgentRigOptions = {}) {
    this.dir = o.outboxFile ? '' : fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-interop-'));
    this.outbox = Outbox.open(o.outboxFile ?? path.join(this.dir, 'outbox.sqlite'));
    this.pool = createDispatcher({ connectMs: 2000, headersMs: 10_000, bodyMs: 10_000 });
    const dispatcher = interposed(this.pool, this.sent, o);
    // As configured by `outbox connect --profile fo --environment <url> --authority <url>`.
    const app = server.client ?? AGENT_CLIENT;
    const connection = { profile: o.profile ?? 'fo', environmentUrl: server.url, authorityUrl: server.authorityUrl, tenant: server.tenant, clientId: app.clientId };
    const profile = profileNamed(connection.profile);
    const tokens = new EntraTokenSource(
      { authorityUrl: connection.authorityUrl, tenant: connection.tenant, clientId: connection.clientId, scope: profile.scope(connection.environmentUrl) },
      async () => app.secret,
      dispatcher,
    );
    this.client = new D365Client({ serviceRoot: `${connection.environmentUrl}${profile.servicePath}`, profile, tokens, dispatcher });
    this.events.subscribe((e) => this.seen.push(e));
    this.metrics = new Metrics(this.outbox.db);
    this.drainer = new Drainer(this.outbox, this.client, this.events, this.metrics, { ...FAST, ...o.drainer });
  }

  /** Queues an update as the CLI does, and records that the person was told it is queued. */
  enqueue(orderNumber: string, fields: Fields, base: Fields | null = null, company = this.client.profile.name === 'bc' ? BC_COMPANY_ID : 'USMF'): number {
    const r = this.outbox.enqueue(checkUpdate({ company, orderNumber, fields, base, source: 'cli', queuedBy: 'interop' }));
    this.acknowledged.push({ id: r.id, company, orderNumber, fields, coalesced: r.coalesced });
    return r.id;
  }

  /** $batch round trips (and how many of them were JSON), and single requests for one order, sent so far */
  get traffic(): { batches: number; jsonBatches: number; singles: number } {
    const data = this.sent.filter((r) => r.calls.length > 0);
    const batches = data.filter((r) => r.format !== null);
    return { batches: batches.length, jsonBatches: batches.filter((r) => r.format === 'json').length, singles: data.length - batches.length };
  }

  /**
   * drainUntilIdle, bounded: a drain that pauses (when `stopOnPause`) or is still going after
   * `ms` is stopped, and `stalled` says why, so a test fails with the reason instead of a timeout.
   */
  async drainWithin(ms: number, o: { stopOnPause?: boolean } = {}): Promise<{ summary: DrainSummary; stalled: string | null; pauses: string[] }> {
    let stalled: string | null = null;
    const stop = (why: string) => {
      stalled ??= why;
      void this.drainer.stop();
    };
    const timer = setTimeout(() => stop(`still draining after ${ms} ms; ${this.drainer.status().paused?.message ?? 'not paused'}`), ms);
    const off = this.events.subscribe((e) => {
      if (o.stopOnPause && e.type === 'paused') stop(`paused (${e.reason}): ${e.message}`);
    });
    try {
      const summary = await this.drainer.drainUntilIdle();
      return { summary, stalled, pauses: this.seen.flatMap((e) => (e.type === 'paused' ? [e.message] : [])) };
    } finally {
      clearTimeout(timer);
      off();
    }
  }

  async close(): Promise<void> {
    await this.drainer.stop();
    await this.pool.close();
    this.outbox.close();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
