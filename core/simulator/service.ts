import type { BackgroundWriters } from './background-writers.ts';
import type { BatchRequest } from './batch.ts';
import { executeBatch } from './batch-execution.ts';
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
import { dvBadRequest, dvFind, dvGetOrder, dvListOrders, dvMetadata, dvNotFound, dvOrderNotFound, dvPatchOrder, dvServiceDocument, type DvContext } from './dv-api.ts';
import { applyFault, type FaultScript } from './faults.ts';
import { foBadRequest, foCollection, foGetOrder, foMetadata, foNotFound, foPatchOrder, foServiceDocument, type FoContext } from './fo-api.ts';
import { DEFAULT_COMPANY, FO_ENTITY_SET } from './fo-entity.ts';
import { header, jsonResponse, odataError, safeDecode, withoutEtag, type SimRequest, type SimResponse } from './http-message.ts';
import type { OrderBook, StoredOrder } from './order-book.ts';
import { randomGuid, type Rng } from './rng.ts';
import { addressesOrder, flavourOf, route, type Route } from './routes.ts';
import type { TokenIssuer } from './token-issuer.ts';
import type { BatchRules, Flavour, SalesOrder } from './types.ts';

export interface DispatchExtras {
  /** a $batch part: authorization was checked on the batch itself */
  inBatch?: boolean;
  /** a scripted background write to the addressed order, just before handling */
  writerFields?: SalesOrder;
  stripEtags?: boolean;
}

export interface ServiceParts {
  url: string;
  tenant: string;
  book: OrderBook;
  tokens: TokenIssuer;
  writers: BackgroundWriters;
  script: FaultScript;
  fo: FoContext;
  bc: BcContext;
  dv: DvContext;
  autoCreate: boolean;
  /** false: $batch answers 501 */
  batch: () => boolean;
  rules: () => BatchRules;
  idRng: Rng;
  now: () => number;
  /** creates an order in every flavour (demo mode creates what clients ask for) */
  seed(company: string, orderNumber: string): void;
}

/**
 * Routing: one request (from the socket or a $batch part) to the handler of its flavour, with
 * the bearer token checked and background writers given their chance first.
 */
export class Service {
  readonly #p: ServiceParts;

  constructor(parts: ServiceParts) {
    this.#p = parts;
  }

  dispatch(request: SimRequest, r: Route, extras: DispatchExtras): SimResponse {
    const response = this.#route(request, r, extras);
    return extras.stripEtags ? withoutEtag(response) : response;
  }

  #route(request: SimRequest, r: Route, extras: DispatchExtras): SimResponse {
    const p = this.#p;
    if (r.kind === 'token') return p.tokens.issue(r.tenant, request);
    const flavour = flavourOf(r);
    if (!flavour) {
      return jsonResponse(404, { error: { code: '', message: `No HTTP resource was found that matches the request URI '${safeDecode(request.target)}'.` } });
    }
    if (!extras.inBatch) {
      const auth = p.tokens.check(header(request.headers, 'authorization'));
      if (!auth.ok) return this.#unauthorized(flavour, auth.reason);
    }
    p.writers.clientFlavours.add(flavour);
    const method = request.method;
    const only = (...methods: string[]): SimResponse | undefined =>
      methods.includes(method)
        ? undefined
        : odataError(405, `The requested resource does not support http method '${method}'.`, { code: flavour === 'bc' ? 'BadRequest_MethodNotAllowed' : '' });
    const touch = p.writers.beforeClientTouch.bind(p.writers);

    switch (r.kind) {
      case 'not-found':
        return { fo: foNotFound, bc: bcNotFound, dataverse: dvNotFound }[flavour](r.segment);
      case 'bad-request':
        return { fo: foBadRequest, bc: bcBadRequest, dataverse: dvBadRequest }[flavour](r.message);
      case 'fo-service':
        return only('GET') ?? foServiceDocument(p.fo);
      case 'fo-metadata':
        return only('GET') ?? foMetadata(p.fo);
      case 'bc-metadata':
        return only('GET') ?? bcMetadata();
      case 'dv-metadata':
        return only('GET') ?? dvMetadata();
      case 'dv-service':
        return only('GET') ?? dvServiceDocument(p.dv);
      case 'bc-service':
        return only('GET') ?? jsonResponse(200, { '@odata.context': `${p.url}/api/v2.0/$metadata`, value: [{ name: 'companies', kind: 'EntitySet', url: 'companies' }] });
      case 'fo-batch':
      case 'bc-batch':
      case 'dv-batch':
        if (extras.inBatch) return odataError(400, 'A $batch request cannot be nested inside another $batch.');
        if (!p.batch()) return odataError(501, 'Batch requests are not supported by this service.', { code: 'NotImplemented' });
        return only('POST') ?? this.#batch(request, flavour, extras.stripEtags ?? false);
      case 'fo-collection':
        return only('GET') ?? foCollection(p.fo, r.query, request.target);
      case 'fo-order': {
        const refused = only('GET', 'PATCH');
        if (refused) return refused;
        const found = this.#findOrSeed(() => p.book.get('fo', r.company, r.orderNumber), method === 'GET' ? { company: r.company, orderNumber: r.orderNumber } : undefined);
        if (!found) return foNotFound(FO_ENTITY_SET);
        const order = touch(found, extras.writerFields);
        return method === 'GET' ? foGetOrder(p.fo, order, r.query) : foPatchOrder(p.fo, order, request);
      }
      case 'bc-companies':
        return only('GET') ?? bcCompanies(p.bc, r.query);
      case 'bc-company': {
        const company = companyNamed(p.book, r.companyId);
        if (!company) return bcCompanyNotFound(r.companyId);
        return only('GET') ?? jsonResponse(200, { '@odata.context': `${p.url}/api/v2.0/$metadata#companies/$entity`, ...companyRow(company) });
      }
      case 'bc-shipment-methods':
        if (!companyNamed(p.book, r.companyId)) return bcCompanyNotFound(r.companyId);
        return only('GET') ?? bcShipmentMethods(p.bc, r.companyId);
      case 'bc-orders': {
        const refused = only('GET');
        if (refused) return refused;
        const company = companyNamed(p.book, r.companyId);
        if (!company) return bcCompanyNotFound(r.companyId);
        if (r.orderNumber !== undefined) {
          const orderNumber = r.orderNumber;
          const found = this.#findOrSeed(() => p.book.get('bc', company, orderNumber), { company, orderNumber });
          if (found) touch(found, extras.writerFields);
        }
        return bcListOrders(p.bc, r.companyId, company, r.query, r.orderNumber);
      }
      case 'bc-order': {
        const refused = only('GET', 'PATCH');
        if (refused) return refused;
        const company = companyNamed(p.book, r.companyId);
        if (!company) return bcCompanyNotFound(r.companyId);
        const found = bcFindById(p.book, company, r.orderId);
        if (!found) return bcOrderNotFound(r.orderId);
        const order = touch(found, extras.writerFields);
        return method === 'GET' ? bcGetOrder(p.bc, r.companyId, order, r.query) : bcPatchOrder(p.bc, r.companyId, order, request);
      }
      case 'dv-orders': {
        const refused = only('GET');
        if (refused) return refused;
        if (r.orderNumber !== undefined) {
          const orderNumber = r.orderNumber;
          const found = this.#findOrSeed(() => dvFind(p.book, { orderNumber }), { company: DEFAULT_COMPANY, orderNumber });
          if (found) touch(found, extras.writerFields);
        }
        return dvListOrders(p.dv, r.query, r.orderNumber);
      }
      case 'dv-order': {
        const refused = only('GET', 'PATCH');
        if (refused) return refused;
        const by = r.by;
        const found = this.#findOrSeed(() => dvFind(p.book, by), 'orderNumber' in by && method === 'GET' ? { company: DEFAULT_COMPANY, orderNumber: by.orderNumber } : undefined);
        if (!found) return dvOrderNotFound(r.by);
        const order = touch(found, extras.writerFields);
        return method === 'GET' ? dvGetOrder(p.dv, order, r.query) : dvPatchOrder(p.dv, order, request);
      }
    }
  }

  /** The order `find` finds. Where it finds none, demo mode (autoCreate) creates the order `seed` names, if any, and finds that. */
  #findOrSeed(find: () => StoredOrder | undefined, seed: { company: string; orderNumber: string } | undefined): StoredOrder | undefined {
    const found = find();
    if (found || !seed || !this.#p.autoCreate) return found;
    this.#p.seed(seed.company, seed.orderNumber);
    return find();
  }

  #batch(request: SimRequest, flavour: Flavour, stripEtags: boolean): SimResponse {
    const p = this.#p;
    return executeBatch(request, flavour, {
      rules: p.rules(),
      book: p.book,
      rng: p.idRng,
      newBoundary: (prefix) => `${prefix}${randomGuid(p.idRng)}`,
      runPart: (part, target) => this.#part(part, target, stripEtags),
    });
  }

  /** One part of a $batch, with the scripted faults that can hit a single part. */
  #part(part: BatchRequest, target: string, stripEtags: boolean): SimResponse {
    const request: SimRequest = { method: part.method.toUpperCase(), target, headers: part.headers, body: part.body };
    const r = route(target);
    if (r.kind === 'token') return odataError(400, 'The token endpoint cannot be called inside a $batch.');
    const dispatch = (extras: DispatchExtras = {}): SimResponse => this.dispatch(request, r, { inBatch: true, stripEtags, ...extras });
    const fault = this.#p.script.take({ method: request.method, target, level: 'part', addressesOrder: addressesOrder(r) });
    if (!fault) return dispatch();
    const effect = applyFault(fault, { dispatch, contextUrl: `${this.#p.url}/data/$metadata#${FO_ENTITY_SET}/$entity`, now: this.#p.now() });
    // only faults that answer can hit a part (FAULTS[kind].inParts)
    return 'answer' in effect ? effect.answer : odataError(500, `Simulator failure: fault '${fault.kind}' cannot hit one part of a batch.`);
  }

  #unauthorized(flavour: Flavour, reason: 'missing' | 'invalid' | 'expired'): SimResponse {
    const challenge =
      reason === 'missing'
        ? `Bearer authorization_uri="${this.#p.url}/${this.#p.tenant}/oauth2/authorize"`
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
}
