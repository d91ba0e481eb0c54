export type FieldValue = string | number | boolean | null;

/** An order's fields by name, key fields included. */
export type SalesOrder = Record<string, FieldValue>;

/** Which D365 flavour a record lives in: Finance & Operations or Business Central. */
export type Flavour = 'fo' | 'bc';

export interface WriterOptions {
  /** probability that, just before a client GET/PATCH on an order is handled, a background writer writes to that same order */
  onRequest?: number;
  /** timer-driven writes per second to random existing orders (0 = off) */
  perSecond?: number;
  /** probability that a writer write touches one of the contested fields instead of a noise field (default 0.1) */
  sameFieldProbability?: number;
  /** fields writers touch by default, unrelated to what clients change */
  noiseFields?: string[];
  /** fields writers touch with sameFieldProbability */
  contestedFields?: string[];
}

/** Per-request probabilities, drawn from the seed. */
export interface RandomFaults {
  throttle?: number;
  reset?: number;
  timeout?: number;
  html?: number;
  garbage?: number;
  missingEtag?: number;
  /** Retry-After (seconds) of a random throttle; default 1 */
  retryAfterSeconds?: number;
}

export interface SimulatorOptions {
  /** default 0 (any free port) */
  port?: number;
  /** default 1 */
  seed?: number;
  /** default 'sim-tenant' */
  tenant?: string;
  /** default 'outbox-agent' */
  clientId?: string;
  /** default 'sim-secret' */
  clientSecret?: string;
  /** default 3600; fractions allowed so tests can watch a token expire */
  tokenLifetimeSeconds?: number;
  /** delay before answering each request (simulated round trip), default 0 */
  latencyMs?: number;
  /** pre-seeded orders SO-000001..SO-00000N in company 'USMF' (F&O, mirrored in BC), default 100 */
  orders?: number;
  /** an unknown order on GET is created with default values instead of 404 (demo mode), default false */
  autoCreate?: boolean;
  /** how F&O answers a stale If-Match; default '412'; 'mixed' = seeded choice per conflict */
  conflictForm?: '412' | 'fo-500' | 'mixed';
  /** support $batch, default true; false answers 501 like a server refusing batches */
  batch?: boolean;
  writers?: WriterOptions;
  faults?: RandomFaults;
}

export interface WriteLogEntry {
  seq: number;
  at: number;
  by: 'client' | 'writer';
  entity: Flavour;
  company: string;
  orderNumber: string;
  /** the fields written, in the entity's own names */
  fields: SalesOrder;
  etagBefore: string;
  etagAfter: string;
}

export interface RequestLogEntry {
  at: number;
  method: string;
  /** decoded path and query */
  path: string;
  /** 0 when no status line was ever sent (timeout, reset before the answer) */
  status: number;
  /** the injected fault, if any */
  fault?: ScriptedFault['kind'];
}

export interface FaultMatch {
  method?: 'GET' | 'PATCH' | 'POST' | 'ANY';
  /** matched against the path and query both as sent and percent-decoded */
  pathIncludes?: string;
}

export type ScriptedFault = FaultMatch &
  (
    | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
    | { kind: 'throttle'; status?: 429 | 503; retryAfter: number | Date }
    /** headers and part of the body, then the socket is destroyed; the request IS applied first unless applied:false */
    | { kind: 'reset'; applied?: boolean }
    /** never answers (the socket is held until the client gives up or stop()); the request is NOT applied unless applied:true */
    | { kind: 'timeout'; applied?: boolean }
    | { kind: 'html'; status?: number }
    /** 200 application/json with truncated JSON; the request is applied */
    | { kind: 'garbage' }
    | { kind: 'missing-etag' }
    /** a background write to the requested order just before the request is handled */
    | { kind: 'writer'; fields: SalesOrder }
  );
