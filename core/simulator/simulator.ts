import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { formatBatch, parseBatch, BatchSyntaxError, type BatchRequest, type BatchResult } from './batch.ts';
import {
  bcBadRequest,
  bcCompanies,
  bcCompanyNotFound,
  bcFindById,
  bcGetOrder,
  bcListOrders,
  bcMetadata,
  bcNotFound,
  bcOrderNotFound,
  bcPatchOrder,
  bcShipmentMethods,
  companyNamed,
  companyRow,
  type BcContext,
} from './bc-api.ts';
import { SHIPMENT_METHODS, bcFieldName, bcMirror, bcValue, companyGuid, type ShipmentMethod } from './bc-entity.ts';
import { entityField, resolveWriters, writerChange, type ResolvedWriters } from './background-writers.ts';
import { property } from './entity-schema.ts';
import { FaultScript, drawRandomFault, garbled, htmlErrorPage, throttled } from './faults.ts';
import {
  foBadRequest,
  foCollection,
  foGetOrder,
  foMetadata,
  foNotFound,
  foPatchOrder,
  foServiceDocument,
  type FoContext,
} from './fo-api.ts';
import { FO_ENTITY_SET, SALES_ORDER_HEADER, defaultFoOrder } from './fo-entity.ts';
import { header, jsonResponse, odataError, safeDecode, withoutEtag, type SimRequest, type SimResponse } from './http-message.ts';
import { OrderBook, type StoredOrder } from './order-book.ts';
import { createRng, randomGuid, streamSeed, pick, type Rng } from './rng.ts';
import { route, type Route } from './routes.ts';
import { TokenIssuer } from './token-issuer.ts';
import type {
  Flavour,
  RandomFaults,
  RequestLogEntry,
  SalesOrder,
  ScriptedFault,
  SimulatorOptions,
  WriteLogEntry,
  WriterOptions,
} from './types.ts';

export type * from './types.ts';
export type { ShipmentMethod } from './bc-entity.ts';

const DEFAULT_COMPANY = 'USMF';
const MAX_BODY_BYTES = 32 * 1024 * 1024;

interface DispatchExtras {
  /** a $batch part: authorization was checked on the batch itself */
  inBatch?: boolean;
  /** a scripted background write to the addressed order, just before handling */
  writerFields?: SalesOrder;
  stripEtags?: boolean;
}

function addressesOrder(r: Route): boolean {
  return r.kind === 'fo-order' || r.kind === 'bc-order' || (r.kind === 'bc-orders' && r.orderNumber !== undefined);
}

function flavourOf(r: Route): Flavour | undefined {
  if (r.kind.startsWith('fo-')) return 'fo';
  if (r.kind.startsWith('bc-')) return 'bc';
  if (r.kind === 'not-found' || r.kind === 'bad-request') return r.flavour === 'none' ? undefined : r.flavour;
  return undefined;
}

function requestHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new RangeError('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Where a batch part's URL points: absolute, host-relative, or relative to the service root. */
function batchTarget(url: string, flavour: Flavour): string {
  const withoutOrigin = url.replace(/^https?:\/\/[^/]+/i, '');
  if (withoutOrigin.startsWith('/')) return withoutOrigin;
  return `${flavour === 'fo' ? '/data/' : '/api/v2.0/'}${withoutOrigin}`;
}

/**
 * An embedded Dynamics 365 on 127.0.0.1: the slice of F&O OData and Business Central API v2.0
 * that the agent uses, with ETags that change on every write, the real conflict answers, a token
 * endpoint, and seeded background writers and faults so every run can be replayed.
 */
export class Simulator {
  readonly url: string;
  readonly foDataUrl: string;
  readonly bcApiUrl: string;
  readonly authorityUrl: string;
  readonly port: number;

  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #book: OrderBook;
  readonly #tokens: TokenIssuer;
  readonly #script = new FaultScript();
  readonly #requestLog: RequestLogEntry[] = [];
  readonly #tenant: string;
  readonly #autoCreate: boolean;
  readonly #batch: boolean;
  readonly #fo: FoContext;
  readonly #bc: BcContext;
  readonly #writerRng: Rng;
  readonly #faultRng: Rng;
  readonly #idRng: Rng;
  /** flavours clients have used: timer-driven writers go where the traffic is */
  readonly #clientFlavours = new Set<Flavour>();
  #writers: ResolvedWriters;
  #faults: RandomFaults;
  #latencyMs: number;
  #writerClock: ReturnType<typeof setInterval> | undefined;
  /** aborted when the listener goes away, so requests waiting out their latency are dropped */
  #lifetime = new AbortController();
  #listening = false;
  #stopped = false;

  private constructor(server: Server, port: number, options: SimulatorOptions) {
    const seed = options.seed ?? 1;
    this.#server = server;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.foDataUrl = `${this.url}/data`;
    this.bcApiUrl = `${this.url}/api/v2.0`;
    this.authorityUrl = this.url;
    this.#tenant = options.tenant ?? 'sim-tenant';
    this.#autoCreate = options.autoCreate ?? false;
    this.#batch = options.batch ?? true;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#writers = resolveWriters(options.writers);
    this.#faults = { ...options.faults };
    this.#writerRng = createRng(streamSeed(seed, 'writers'));
    this.#faultRng = createRng(streamSeed(seed, 'faults'));
    this.#idRng = createRng(streamSeed(seed, 'ids'));
    this.#book = new OrderBook(createRng(streamSeed(seed, 'versions')));
    this.#tokens = new TokenIssuer({
      tenant: this.#tenant,
      clientId: options.clientId ?? 'outbox-agent',
      clientSecret: options.clientSecret ?? 'sim-secret',
      lifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    });
    this.#fo = {
      book: this.#book,
      url: this.url,
      conflictForm: options.conflictForm ?? '412',
      conflictRng: createRng(streamSeed(seed, 'conflicts')),
    };
    this.#bc = { book: this.#book, url: this.url };
    const count = options.orders ?? 100;
    for (let i = 1; i <= count; i++) this.seedOrder(DEFAULT_COMPANY, `SO-${String(i).padStart(6, '0')}`);
  }

  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the simulator did not get a TCP port');
    const simulator = new Simulator(server, address.port, options);
    simulator.#listening = true;
    server.on('connection', (socket: Socket) => {
      simulator.#sockets.add(socket);
      socket.on('close', () => simulator.#sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void simulator.#handle(req, res);
    });
    simulator.#startWriterClock();
    return simulator;
  }

  get writeLog(): readonly WriteLogEntry[] {
    return this.#book.writeLog;
  }

  get requestLog(): readonly RequestLogEntry[] {
    return this.#requestLog;
  }

  /** Scripted faults not yet consumed. */
  get pendingFaults(): number {
    return this.#script.pending;
  }

  /** The current F&O record (no annotations); dataAreaId reads in lower case, as F&O returns it. */
  order(company: string, orderNumber: string): SalesOrder | undefined {
    const order = this.#book.get('fo', company, orderNumber);
    return order ? { ...order.fields } : undefined;
  }

  etag(company: string, orderNumber: string): string | undefined {
    return this.#book.get('fo', company, orderNumber)?.etag;
  }

  /** The Business Central mirror of an order. */
  bcOrder(company: string, orderNumber: string): SalesOrder | undefined {
    const order = this.#book.get('bc', company, orderNumber);
    return order ? { ...order.fields } : undefined;
  }

  bcEtag(company: string, orderNumber: string): string | undefined {
    return this.#book.get('bc', company, orderNumber)?.etag;
  }

  /** The fixed BC company id (a GUID) of a company name. */
  bcCompanyId(company: string): string {
    return companyGuid(company);
  }

  bcShipmentMethods(): readonly ShipmentMethod[] {
    return SHIPMENT_METHODS.map(({ id, code, displayName }) => ({ id, code, displayName }));
  }

  /**
   * Creates or replaces an order in F&O (F&O field names) and its BC mirror. Any string is a
   * valid order number: quotes, slashes, '#', unicode.
   */
  seedOrder(company: string, orderNumber: string, fields: SalesOrder = {}): void {
    for (const name of Object.keys(fields)) {
      if (!property(SALES_ORDER_HEADER, name)) throw new RangeError(`SalesOrderHeaderV2 has no field '${name}'`);
    }
    const existing = this.#book.get('fo', company, orderNumber);
    const index = existing ? 0 : this.#book.count('fo');
    const fo: SalesOrder = {
      ...defaultFoOrder(company, orderNumber, index),
      ...fields,
      // F&O hands company ids back in lower case whatever case they were asked in
      dataAreaId: company.toLowerCase(),
      SalesOrderNumber: orderNumber,
    };
    this.#book.put('fo', company, orderNumber, fo);
    this.#book.put('bc', company, orderNumber, bcMirror(company, fo, Date.now()));
  }

  /**
   * A write by someone else (bumps the ETag, logged by 'writer'). Field names are F&O's;
   * with flavour 'bc' they may also be BC's own.
   */
  writeAsOtherUser(company: string, orderNumber: string, fields: SalesOrder, flavour: Flavour = 'fo'): void {
    const order = this.#book.get(flavour, company, orderNumber);
    if (!order) throw new RangeError(`no ${flavour} order ${company}/${orderNumber}`);
    this.#otherUserWrite(order, fields);
  }

  script(...faults: ScriptedFault[]): void {
    for (const fault of faults) {
      if (fault.kind !== 'writer') continue;
      // refuse a typo now rather than as a 500 in the middle of a test run
      for (const name of Object.keys(fault.fields)) {
        if (!entityField('fo', name) && !entityField('bc', name)) throw new RangeError(`a scripted writer cannot touch unknown field '${name}'`);
      }
    }
    this.#script.push(...faults);
  }

  setWriters(writers: WriterOptions): void {
    this.#writers = resolveWriters(writers);
    this.#startWriterClock();
  }

  setFaults(faults: RandomFaults): void {
    this.#faults = { ...faults };
  }

  setLatency(ms: number): void {
    this.#latencyMs = Math.max(0, ms);
  }

  revokeTokens(): void {
    this.#tokens.revokeAll();
  }

  /**
   * Offline: the listener closes and every open connection is destroyed, so clients see
   * connection refused/reset. Back online: listening again on the same port. Background
   * writers keep writing meanwhile, as other users of D365 would.
   */
  async setOffline(offline: boolean): Promise<void> {
    if (this.#stopped) throw new Error('the simulator is stopped');
    if (offline) {
      await this.#closeListener();
      return;
    }
    if (this.#listening) return;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#listening = true;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#writerClock) clearInterval(this.#writerClock);
    this.#writerClock = undefined;
    await this.#closeListener();
  }

  async #closeListener(): Promise<void> {
    this.#lifetime.abort();
    this.#lifetime = new AbortController();
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
    // let clients in this process see their pooled connections close before they reuse them
    await new Promise((resolve) => setImmediate(resolve));
  }

  // ---- background writers -------------------------------------------------------------

  #otherUserWrite(order: StoredOrder, fields: SalesOrder): void {
    const named: SalesOrder = {};
    for (const [name, value] of Object.entries(fields)) {
      const own = entityField(order.flavour, name);
      if (!own) throw new RangeError(`${order.flavour === 'fo' ? 'SalesOrderHeaderV2' : 'salesOrder'} has no field '${name}'`);
      // an F&O name given for a BC order carries an F&O value: translate it too
      named[own] = order.flavour === 'bc' && own !== name && bcFieldName(name) === own ? bcValue(name, value) : value;
    }
    this.#book.write(order, named, 'writer', order.flavour === 'bc' ? { lastModifiedDateTime: new Date().toISOString() } : {});
  }

  #writerWrite(order: StoredOrder): void {
    const change = writerChange(this.#writerRng, order.flavour, order.fields, this.#writers);
    if (change) this.#book.write(order, change, 'writer', order.flavour === 'bc' ? { lastModifiedDateTime: new Date().toISOString() } : {});
  }

  /** Just before a client request on an order is handled, someone else may get there first. */
  #beforeClientTouch(order: StoredOrder, scripted: SalesOrder | undefined): StoredOrder {
    if (scripted) {
      this.#otherUserWrite(order, scripted);
    } else if (this.#writers.onRequest > 0 && !this.#book.lockedByChangeset(order)) {
      if (this.#writerRng() < this.#writers.onRequest) this.#writerWrite(order);
    }
    return this.#book.get(order.flavour, order.company, order.orderNumber) ?? order;
  }

  #startWriterClock(): void {
    if (this.#writerClock) clearInterval(this.#writerClock);
    this.#writerClock = undefined;
    const perSecond = this.#writers.perSecond;
    if (perSecond <= 0 || this.#stopped) return;
    const started = performance.now();
    let done = 0;
    this.#writerClock = setInterval(
      () => {
        const due = Math.floor(((performance.now() - started) * perSecond) / 1000);
        // after a stall (a paused debugger, a slow CI box) catch up a little, not in one burst
        for (let n = 0; done < due && n < 1000; n++, done++) this.#randomWrite();
        done = Math.max(done, due - 1000);
      },
      Math.max(5, 1000 / perSecond),
    );
    this.#writerClock.unref();
  }

  #randomWrite(): void {
    const flavours = (['fo', 'bc'] as const).filter((f) => this.#clientFlavours.has(f));
    const flavour = flavours.length === 0 ? 'fo' : pick(this.#writerRng, flavours);
    const orders = this.#book.list(flavour);
    if (orders.length === 0) return;
    this.#writerWrite(pick(this.#writerRng, orders));
  }

  // ---- HTTP -----------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const entry: RequestLogEntry = { at: Date.now(), method, path: safeDecode(target), status: 0 };
    this.#requestLog.push(entry);
    const lifetime = this.#lifetime.signal;
    let body: string;
    try {
      body = await readBody(req);
    } catch {
      this.#send(res, entry, odataError(413, 'The request body is too large.'));
      return;
    }
    if (this.#latencyMs > 0) {
      try {
        await delay(this.#latencyMs, undefined, { signal: lifetime });
      } catch {
        return; // went offline or stopped while the request was "in flight"
      }
    }
    if (lifetime.aborted || res.destroyed) return;

    const request: SimRequest = { method, target, headers: requestHeaders(req), body };
    try {
      const r = route(target);
      const flavour = flavourOf(r);
      let fault = this.#script.take({ method, target, level: 'socket', addressesOrder: addressesOrder(r) });
      if (!fault && flavour && this.#anyRandomFault()) fault = drawRandomFault(this.#faultRng, this.#faults);
      if (fault) entry.fault = fault.kind;
      switch (fault?.kind) {
        case undefined:
          this.#send(res, entry, this.#dispatch(request, r, {}));
          return;
        case 'status':
          this.#send(res, entry, {
            status: fault.status,
            headers: { 'Content-Type': fault.contentType ?? 'application/json; charset=utf-8', ...fault.headers },
            body: fault.body ?? '',
          });
          return;
        case 'throttle':
          this.#send(res, entry, throttled(fault.status ?? 429, fault.retryAfter));
          return;
        case 'html':
          this.#send(res, entry, htmlErrorPage(fault.status ?? 502));
          return;
        case 'timeout':
          // the request may or may not have reached D365 before the line went quiet
          if (fault.applied) this.#dispatch(request, r, {});
          return; // never answer; the socket is freed by the client or by stop()/setOffline()
        case 'reset':
          this.#cut(req, res, entry, fault.applied === false ? { status: 200, headers: {}, body: '' } : this.#dispatch(request, r, {}));
          return;
        case 'garbage':
          this.#send(res, entry, garbled(this.#dispatch(request, r, {}), `${this.foDataUrl}/$metadata#${FO_ENTITY_SET}/$entity`));
          return;
        case 'missing-etag':
          this.#send(res, entry, this.#dispatch(request, r, { stripEtags: true }));
          return;
        case 'writer':
          this.#send(res, entry, this.#dispatch(request, r, { writerFields: fault.fields }));
          return;
      }
    } catch (error) {
      this.#send(res, entry, odataError(500, `Simulator failure: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  #anyRandomFault(): boolean {
    const f = this.#faults;
    return [f.throttle, f.reset, f.timeout, f.html, f.garbage, f.missingEtag].some((p) => (p ?? 0) > 0);
  }

  #send(res: ServerResponse, entry: RequestLogEntry, response: SimResponse): void {
    entry.status = response.status;
    if (res.destroyed || res.headersSent) return;
    const body = Buffer.from(response.body, 'utf8');
    try {
      res.writeHead(response.status, { ...response.headers, 'Content-Length': String(body.length) });
      res.end(body);
    } catch {
      // e.g. a scripted header value Node refuses to send: drop the connection, don't crash the host
      res.destroy();
    }
  }

  /** Headers and half the body, then the connection dies under the client. */
  #cut(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry, response: SimResponse): void {
    if (res.destroyed) return;
    const body = Buffer.from(response.body, 'utf8');
    if (body.length === 0) {
      req.socket.destroy();
      return;
    }
    entry.status = response.status;
    try {
      res.writeHead(response.status, { ...response.headers, 'Content-Length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
    } catch {
      req.socket.destroy();
    }
  }

  #unauthorized(flavour: Flavour, reason: 'missing' | 'invalid' | 'expired'): SimResponse {
    const challenge =
      reason === 'missing'
        ? `Bearer authorization_uri="${this.authorityUrl}/${this.#tenant}/oauth2/authorize"`
        : `Bearer error="invalid_token", error_description="${reason === 'expired' ? 'The access token expired' : 'The access token is invalid'}"`;
    const message =
      reason === 'missing'
        ? 'Authorization has been denied for this request: no bearer token.'
        : reason === 'expired'
          ? 'Authorization has been denied for this request: the access token expired.'
          : 'Authorization has been denied for this request: the access token is invalid.';
    return flavour === 'bc'
      ? odataError(401, `The server has rejected the client credentials. ${message}`, {
          code: 'Authentication_InvalidCredentials',
          headers: { 'WWW-Authenticate': challenge },
        })
      : odataError(401, message, { code: 'Unauthorized', headers: { 'WWW-Authenticate': challenge } });
  }

  #dispatch(request: SimRequest, r: Route, extras: DispatchExtras): SimResponse {
    const response = this.#route(request, r, extras);
    return extras.stripEtags ? withoutEtag(response) : response;
  }

  #route(request: SimRequest, r: Route, extras: DispatchExtras): SimResponse {
    if (r.kind === 'token') return this.#tokens.issue(r.tenant, request);
    const flavour = flavourOf(r);
    if (!flavour) {
      return jsonResponse(404, { error: { code: '', message: `No HTTP resource was found that matches the request URI '${safeDecode(request.target)}'.` } });
    }
    if (!extras.inBatch) {
      const auth = this.#tokens.check(header(request.headers, 'authorization'));
      if (!auth.ok) return this.#unauthorized(flavour, auth.reason);
    }
    this.#clientFlavours.add(flavour);
    const method = request.method;
    const only = (...methods: string[]): SimResponse | undefined =>
      methods.includes(method)
        ? undefined
        : odataError(405, `The requested resource does not support http method '${method}'.`, { code: flavour === 'bc' ? 'BadRequest_MethodNotAllowed' : '' });

    switch (r.kind) {
      case 'not-found':
        return r.flavour === 'bc' ? bcNotFound(r.segment) : foNotFound(r.segment);
      case 'bad-request':
        return r.flavour === 'bc' ? bcBadRequest(r.message) : foBadRequest(r.message);
      case 'fo-service':
        return only('GET') ?? foServiceDocument(this.#fo);
      case 'fo-metadata':
        return only('GET') ?? foMetadata();
      case 'bc-metadata':
        return only('GET') ?? bcMetadata();
      case 'bc-service':
        return (
          only('GET') ??
          jsonResponse(200, {
            '@odata.context': `${this.bcApiUrl}/$metadata`,
            value: [{ name: 'companies', kind: 'EntitySet', url: 'companies' }],
          })
        );
      case 'fo-batch':
      case 'bc-batch':
        if (extras.inBatch) return odataError(400, 'A $batch request cannot be nested inside another $batch.');
        if (!this.#batch) return odataError(501, 'Batch requests are not supported by this service.', { code: 'NotImplemented' });
        return only('POST') ?? this.#executeBatch(request, flavour, extras.stripEtags ?? false);
      case 'fo-collection':
        return only('GET') ?? foCollection(this.#fo, r.query, request.target);
      case 'fo-order': {
        const refused = only('GET', 'PATCH');
        if (refused) return refused;
        if (!this.#book.get('fo', r.company, r.orderNumber) && method === 'GET' && this.#autoCreate) this.seedOrder(r.company, r.orderNumber);
        const found = this.#book.get('fo', r.company, r.orderNumber);
        if (!found) return foNotFound(FO_ENTITY_SET);
        const order = this.#beforeClientTouch(found, extras.writerFields);
        return method === 'GET' ? foGetOrder(this.#fo, order, r.query) : foPatchOrder(this.#fo, order, request);
      }
      case 'bc-companies':
        return only('GET') ?? bcCompanies(this.#bc, r.query);
      case 'bc-company': {
        const company = companyNamed(this.#book, r.companyId);
        if (!company) return bcCompanyNotFound(r.companyId);
        return only('GET') ?? jsonResponse(200, { '@odata.context': `${this.bcApiUrl}/$metadata#companies/$entity`, ...companyRow(company) });
      }
      case 'bc-shipment-methods': {
        if (!companyNamed(this.#book, r.companyId)) return bcCompanyNotFound(r.companyId);
        return only('GET') ?? bcShipmentMethods(this.#bc, r.companyId);
      }
      case 'bc-orders': {
        const refused = only('GET');
        if (refused) return refused;
        const company = companyNamed(this.#book, r.companyId);
        if (!company) return bcCompanyNotFound(r.companyId);
        if (r.orderNumber !== undefined) {
          if (!this.#book.get('bc', company, r.orderNumber) && this.#autoCreate) this.seedOrder(company, r.orderNumber);
          const found = this.#book.get('bc', company, r.orderNumber);
          if (found) this.#beforeClientTouch(found, extras.writerFields);
        }
        return bcListOrders(this.#bc, r.companyId, company, r.query, r.orderNumber);
      }
      case 'bc-order': {
        const refused = only('GET', 'PATCH');
        if (refused) return refused;
        const company = companyNamed(this.#book, r.companyId);
        if (!company) return bcCompanyNotFound(r.companyId);
        const found = bcFindById(this.#book, company, r.orderId);
        if (!found) return bcOrderNotFound(r.orderId);
        const order = this.#beforeClientTouch(found, extras.writerFields);
        return method === 'GET' ? bcGetOrder(this.#bc, r.companyId, order, r.query) : bcPatchOrder(this.#bc, r.companyId, order, request);
      }
    }
  }

  // ---- $batch ---------------------------------------------------------------------------

  #executeBatch(request: SimRequest, flavour: Flavour, stripEtags: boolean): SimResponse {
    let items;
    try {
      items = parseBatch(header(request.headers, 'content-type'), request.body);
    } catch (error) {
      if (error instanceof BatchSyntaxError) return odataError(400, error.message);
      throw error;
    }
    const results: BatchResult[] = items.map((item): BatchResult => {
      if (item.kind === 'request') {
        return { kind: 'response', answer: { contentId: item.request.contentId, response: this.#batchPart(item.request, flavour, stripEtags) } };
      }
      this.#book.beginChangeset();
      try {
        const answers = [];
        for (const part of item.requests) {
          const response = this.#batchPart(part, flavour, stripEtags);
          if (response.status >= 400) {
            // atomic: nothing of this changeset stays, and it answers with the failure alone
            this.#book.rollbackChangeset();
            return { kind: 'changeset', answers: [{ contentId: part.contentId, response }] };
          }
          answers.push({ contentId: part.contentId, response });
        }
        this.#book.commitChangeset();
        return { kind: 'changeset', answers };
      } catch (error) {
        this.#book.rollbackChangeset();
        throw error;
      }
    });
    const formatted = formatBatch(results, (prefix) => `${prefix}${randomGuid(this.#idRng)}`);
    return { status: 200, headers: { 'Content-Type': formatted.contentType, 'OData-Version': '4.0' }, body: formatted.body };
  }

  #batchPart(part: BatchRequest, flavour: Flavour, stripEtags: boolean): SimResponse {
    const target = batchTarget(part.url, flavour);
    const request: SimRequest = { method: part.method.toUpperCase(), target, headers: part.headers, body: part.body };
    const r = route(target);
    if (r.kind === 'token') return odataError(400, 'The token endpoint cannot be called inside a $batch.');
    const fault = this.#script.take({ method: request.method, target, level: 'part', addressesOrder: addressesOrder(r) });
    switch (fault?.kind) {
      case 'status':
        return {
          status: fault.status,
          headers: { 'Content-Type': fault.contentType ?? 'application/json; charset=utf-8', ...fault.headers },
          body: fault.body ?? '',
        };
      case 'throttle':
        return throttled(fault.status ?? 429, fault.retryAfter);
      case 'writer':
        return this.#dispatch(request, r, { inBatch: true, stripEtags, writerFields: fault.fields });
      case 'missing-etag':
        return this.#dispatch(request, r, { inBatch: true, stripEtags: true });
      default:
        return this.#dispatch(request, r, { inBatch: true, stripEtags });
    }
  }
}
