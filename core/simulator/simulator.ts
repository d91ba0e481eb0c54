import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { BackgroundWriters, knownField } from './background-writers.ts';
import { batchRules } from './batch-rules.ts';
import { SHIPMENT_METHODS, bcMirror, companyGuid, type ShipmentMethod } from './bc-entity.ts';
import { DV_SERVICE_PATH, dvFind } from './dv-api.ts';
import { dvMirror } from './dv-entity.ts';
import { property } from './entity-schema.ts';
import { FaultScript, anyRandomFault, applyFault, drawRandomFault } from './faults.ts';
import { DEFAULT_COMPANY, FO_ENTITY_SET, FO_MODIFIED_FIELD, defaultFoOrder, foSchema } from './fo-entity.ts';
import { odataError, safeDecode, type SimRequest, type SimResponse } from './http-message.ts';
import { Listener, cut, readBody, requestHeaders, send } from './listener.ts';
import { OrderBook } from './order-book.ts';
import { createRng, streamSeed, type Rng } from './rng.ts';
import { addressesOrder, flavourOf, route } from './routes.ts';
import { Service } from './service.ts';
import { TokenIssuer } from './token-issuer.ts';
import type {
  BatchRules,
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
export { LENIENT_SERVER, STRICT_SERVER } from './batch-rules.ts';

/**
 * An embedded Dynamics 365 on 127.0.0.1: the slice of F&O OData, Business Central API v2.0 and
 * the Dataverse Web API that the agent uses, with ETags that change on every write, the real
 * conflict answers, a token endpoint, $batch under configurable server rules, and seeded
 * background writers and faults so every run can be replayed.
 *
 * This file is the lifecycle and the control API; routing is in service.ts, $batch in
 * batch-execution.ts, fault injection in faults.ts, other users in background-writers.ts.
 */
export class Simulator {
  readonly url: string;
  readonly foDataUrl: string;
  readonly bcApiUrl: string;
  readonly dataverseUrl: string;
  readonly authorityUrl: string;
  readonly port: number;

  readonly #listener: Listener;
  readonly #book: OrderBook;
  readonly #tokens: TokenIssuer;
  readonly #writers: BackgroundWriters;
  readonly #service: Service;
  readonly #script = new FaultScript();
  readonly #requestLog: RequestLogEntry[] = [];
  readonly #faultRng: Rng;
  readonly #now: () => number;
  readonly #foModified: boolean;
  #rules: BatchRules;
  #batch: boolean;
  #faults: RandomFaults;
  #latencyMs: number;
  #stopped = false;

  private constructor(listener: Listener, options: SimulatorOptions) {
    const seed = options.seed ?? 1;
    this.#listener = listener;
    this.port = listener.port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.foDataUrl = `${this.url}/data`;
    this.bcApiUrl = `${this.url}/api/v2.0`;
    this.dataverseUrl = `${this.url}${DV_SERVICE_PATH}`;
    this.authorityUrl = this.url;
    this.#now = options.now ?? Date.now;
    this.#batch = options.batch ?? true;
    this.#rules = batchRules(options.batchRules);
    this.#latencyMs = options.latencyMs ?? 0;
    this.#faults = { ...options.faults };
    this.#foModified = options.foModifiedDateTime ?? false;
    this.#faultRng = createRng(streamSeed(seed, 'faults'));
    this.#book = new OrderBook(createRng(streamSeed(seed, 'versions')), this.#now, {
      fo: this.#foModified ? { modified: FO_MODIFIED_FIELD } : {},
      bc: { id: 'id', modified: 'lastModifiedDateTime' },
      dataverse: { id: 'salesorderid', modified: 'modifiedon' },
    });
    const tenant = options.tenant ?? 'sim-tenant';
    this.#tokens = new TokenIssuer({
      tenant,
      clientId: options.clientId ?? 'outbox-agent',
      clientSecret: options.clientSecret ?? 'sim-secret',
      lifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
      now: this.#now,
    });
    this.#writers = new BackgroundWriters(this.#book, createRng(streamSeed(seed, 'writers')), this.#now, options.writers);
    this.#service = new Service({
      url: this.url,
      tenant,
      book: this.#book,
      tokens: this.#tokens,
      writers: this.#writers,
      script: this.#script,
      fo: {
        book: this.#book,
        schema: foSchema(this.#foModified),
        url: this.url,
        conflictForm: options.conflictForm ?? '412',
        conflictRng: createRng(streamSeed(seed, 'conflicts')),
      },
      bc: { book: this.#book, url: this.url },
      dv: { book: this.#book, url: this.url },
      autoCreate: options.autoCreate ?? false,
      batch: () => this.#batch,
      rules: () => this.#rules,
      idRng: createRng(streamSeed(seed, 'ids')),
      now: this.#now,
      seed: (company, orderNumber) => this.seedOrder(company, orderNumber),
    });
    const count = options.orders ?? 100;
    for (let i = 1; i <= count; i++) this.seedOrder(DEFAULT_COMPANY, `SO-${String(i).padStart(6, '0')}`);
  }

  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    let simulator: Simulator | undefined;
    // no request can arrive before the constructor below runs: it follows the listen in the same tick
    const listener = await Listener.open(options.port ?? 0, (req, res) => {
      if (simulator) void simulator.#handle(req, res);
      else res.destroy();
    });
    simulator = new Simulator(listener, options);
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

  // ---- reading the books ----------------------------------------------------------------

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

  /** The Dataverse mirror of an order (Dataverse has no companies: any company's order of that number). */
  dataverseOrder(orderNumber: string): SalesOrder | undefined {
    const order = dvFind(this.#book, { orderNumber });
    return order ? { ...order.fields } : undefined;
  }

  dataverseEtag(orderNumber: string): string | undefined {
    return dvFind(this.#book, { orderNumber })?.etag;
  }

  /** The fixed BC company id (a GUID) of a company name. */
  bcCompanyId(company: string): string {
    return companyGuid(company);
  }

  bcShipmentMethods(): readonly ShipmentMethod[] {
    return SHIPMENT_METHODS.map(({ id, code, displayName }) => ({ id, code, displayName }));
  }

  // ---- control API ----------------------------------------------------------------------

  /**
   * Creates or replaces an order in F&O (F&O field names) and its BC and Dataverse mirrors.
   * Any string is a valid order number: quotes, slashes, '#', unicode.
   */
  seedOrder(company: string, orderNumber: string, fields: SalesOrder = {}): void {
    const schema = foSchema(this.#foModified);
    for (const name of Object.keys(fields)) {
      if (!property(schema, name)) throw new RangeError(`SalesOrderHeaderV2 has no field '${name}'`);
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
    this.#book.put('bc', company, orderNumber, bcMirror(company, fo));
    this.#book.put('dataverse', company, orderNumber, dvMirror(company, fo));
  }

  /**
   * A write by someone else (bumps the ETag, logged by 'writer'). Field names are F&O's;
   * for the other flavours they may also be the entity's own. Dataverse ignores the company.
   */
  writeAsOtherUser(company: string, orderNumber: string, fields: SalesOrder, flavour: Flavour = 'fo'): void {
    const order = flavour === 'dataverse' ? dvFind(this.#book, { orderNumber }) : this.#book.get(flavour, company, orderNumber);
    if (!order) throw new RangeError(`no ${flavour} order ${company}/${orderNumber}`);
    this.#writers.write(order, fields);
  }

  script(...faults: ScriptedFault[]): void {
    for (const fault of faults) {
      if (fault.kind !== 'writer') continue;
      // refuse a typo now rather than as a 500 in the middle of a test run
      for (const name of Object.keys(fault.fields)) {
        if (!knownField(name)) throw new RangeError(`a scripted writer cannot touch unknown field '${name}'`);
      }
    }
    this.#script.push(...faults);
  }

  setWriters(writers: WriterOptions): void {
    this.#writers.set(writers);
  }

  setFaults(faults: RandomFaults): void {
    this.#faults = { ...faults };
  }

  /** Changes how $batch behaves from the next batch on (the rest keep their values). */
  setBatchRules(rules: Partial<BatchRules>): void {
    this.#rules = { ...this.#rules, ...rules };
  }

  /** false: $batch answers 501, like a server that refuses batches. */
  setBatchSupport(enabled: boolean): void {
    this.#batch = enabled;
  }

  setLatency(ms: number): void {
    this.#latencyMs = Math.max(0, ms);
  }

  revokeTokens(): void {
    this.#tokens.revokeAll();
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /**
   * Offline: the listener closes and every open connection is destroyed, so clients see
   * connection refused/reset. Back online: listening again on the same port. Background
   * writers keep writing meanwhile, as other users of D365 would.
   */
  async setOffline(offline: boolean): Promise<void> {
    if (this.#stopped) throw new Error('the simulator is stopped');
    await (offline ? this.#listener.close() : this.#listener.reopen());
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#writers.stop();
    await this.#listener.close();
  }

  /** One request off the socket: logged, delayed by the latency, maybe faulted, then served. */
  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const target = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = requestHeaders(req);
    const entry: RequestLogEntry = {
      at: this.#now(),
      method,
      path: safeDecode(target),
      status: 0,
      ...(headers['content-type'] ? { contentType: headers['content-type'] } : {}),
      ...(headers.prefer ? { prefer: headers.prefer } : {}),
    };
    this.#requestLog.push(entry);
    const answer = (response: SimResponse): void => {
      entry.status = response.status;
      send(res, response);
    };
    const lifetime = this.#listener.signal;
    let body: string;
    try {
      body = await readBody(req);
    } catch {
      answer(odataError(413, 'The request body is too large.'));
      return;
    }
    if (this.#latencyMs > 0) {
      try {
        await travel(arrived + this.#latencyMs, lifetime);
      } catch {
        return; // went offline or stopped while the request was "in flight"
      }
    }
    if (lifetime.aborted || res.destroyed) return;

    const request: SimRequest = { method, target, headers, body };
    try {
      const r = route(target);
      const dispatch = (extras = {}): SimResponse => this.#service.dispatch(request, r, extras);
      let fault = this.#script.take({ method, target, level: 'socket', addressesOrder: addressesOrder(r) });
      if (!fault && flavourOf(r) && anyRandomFault(this.#faults)) fault = drawRandomFault(this.#faultRng, this.#faults);
      if (!fault) {
        answer(dispatch());
        return;
      }
      entry.fault = fault.kind;
      const effect = applyFault(fault, { dispatch, contextUrl: `${this.foDataUrl}/$metadata#${FO_ENTITY_SET}/$entity`, now: this.#now() });
      if ('answer' in effect) answer(effect.answer);
      else if ('cut' in effect && cut(req, res, effect.cut)) entry.status = effect.cut.status;
      // silence: never answer; the socket is freed by the client or by stop()/setOffline()
    } catch (error) {
      answer(odataError(500, `Simulator failure: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}

/**
 * Waits until `due` (performance.now() time) as a network would: to the millisecond. A timer
 * alone fires a millisecond or more late, which made a 20 ms round trip 21.3 ms; the last
 * stretch is waited out in check-phase turns, so other work of the process still runs.
 */
async function travel(due: number, signal: AbortSignal): Promise<void> {
  const early = due - performance.now() - 2;
  if (early > 0) await delay(early, undefined, { signal });
  while (performance.now() < due) {
    signal.throwIfAborted();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
