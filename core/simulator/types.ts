export type FieldValue = string | number | boolean | null;

/** An order's fields by name, key fields included. */
export type SalesOrder = Record<string, FieldValue>;

/** Which D365 flavour a record lives in: Finance & Operations, Business Central or Dataverse (Dynamics 365 Sales). */
export type Flavour = 'fo' | 'bc' | 'dataverse';

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

/**
 * How the $batch endpoint behaves where real servers differ. The defaults are lenient; the
 * strictest settings are what some real servers do (see STRICT_SERVER in batch-rules.ts).
 */
export interface BatchRules {
  /**
   * Request-line forms accepted inside a $batch: the three OData allows, or only one of them
   * ('relative' to the service root, as one real server; the absolute forms, as servers that
   * resolve relative paths wrongly). A refused form is read as a path and finds nothing: 404.
   */
  requestLines: 'any' | 'relative' | 'absolute-path' | 'absolute-uri';
  /** stop at the first failing part: never, unless `Prefer: odata.continue-on-error` (OData), or always (a server ignoring the preference) */
  stopAtFailure: 'never' | 'unless-continue-on-error' | 'always';
  /**
   * How a failed changeset / atomicity group answers: one part with the failure (OData 4.0),
   * the failure plus 424 Failed Dependency for the rest, or the failure plus the status each
   * rolled-back request had before the rollback (a real Business Central reports 200 for them).
   */
  failedGroup: 'collapse' | 'failed-dependency' | 'report-original';
  /** the status of a $batch in which a part failed: 200 (OData) or 400 (as Dataverse documents) */
  failedBatchStatus: 200 | 400;
  /** whether answers carry the request's Content-ID / id (BC answers "id": null) */
  answerIds: 'echo' | 'omit';
  /** answers in request order, or shuffled from the seed (a client must map them by Content-ID) */
  answerOrder: 'request' | 'shuffled';
  /** operations per $batch; default per flavour as documented (BC 100, Dataverse 1,000, F&O unlimited) */
  maxOperations?: number;
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
  /** how $batch behaves where real servers differ; default LENIENT_SERVER */
  batchRules?: Partial<BatchRules>;
  /** F&O rows also carry a ModifiedDateTime stamped on every write (the real entity does not expose one) */
  foModifiedDateTime?: boolean;
  /** the clock for timestamps, token lifetimes and timer writers; default Date.now */
  now?: () => number;
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
  /** the request's Content-Type and Prefer headers, where it had them (never its credentials) */
  contentType?: string;
  prefer?: string;
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
