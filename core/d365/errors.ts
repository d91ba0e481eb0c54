export type D365ErrorCode =
  /** 412, 409, or the F&O 500 "update conflict": someone changed the record since our ETag */
  | 'CONCURRENCY'
  /** 429 / 503 with Retry-After: pause the whole drain */
  | 'THROTTLED'
  /** 401 after one token refresh */
  | 'UNAUTHORIZED'
  /** the token endpoint refused our client id / secret */
  | 'AUTH_FAILED'
  /** 400 / 422: D365 refused the values (its own message is kept) */
  | 'VALIDATION'
  | 'NOT_FOUND'
  /** DNS, refused, reset, timeout, TLS: the network or the server is not reachable */
  | 'OFFLINE'
  /** HTML, non-JSON, truncated JSON, missing ETag */
  | 'BAD_RESPONSE'
  /** another 5xx */
  | 'SERVER'
  /** a $batch part the server did not execute (it stopped early) or rolled back with its changeset: send it again */
  | 'NOT_EXECUTED';

/** What an error means for the update it happened to: the one table the client, the engine and the drainer follow. */
export type Disposition =
  /** D365 refused this update (its own message is kept): it fails, a person looks */
  | 'refused'
  /** someone changed the order since it was read: read again and retry, with backoff */
  | 'race'
  /** nothing happened to it in D365: it simply goes again in the next pass */
  | 'not-sent'
  /** about the connection, not the order: stop sending, pause the whole drain */
  | 'pause';

export function disposition(code: D365ErrorCode): Disposition {
  switch (code) {
    case 'VALIDATION':
    case 'NOT_FOUND':
      return 'refused';
    case 'CONCURRENCY':
      return 'race';
    case 'NOT_EXECUTED':
      return 'not-sent';
    case 'THROTTLED':
    case 'UNAUTHORIZED':
    case 'AUTH_FAILED':
    case 'OFFLINE':
    case 'BAD_RESPONSE':
    case 'SERVER':
      return 'pause';
  }
}

/** An error talking to D365, with a stable code callers branch on and the server's message. */
export class D365Error extends Error {
  readonly tag = 'D365Error';
  readonly code: D365ErrorCode;
  readonly status: number | null;
  /** for THROTTLED: how long D365 asked us to wait */
  readonly retryAfterMs: number | null;
  constructor(code: D365ErrorCode, message: string, options: { status?: number | null; retryAfterMs?: number | null; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'D365Error';
    this.code = code;
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

export function isD365Error(e: unknown): e is D365Error {
  return typeof e === 'object' && e !== null && (e as { tag?: unknown }).tag === 'D365Error';
}

const HTTP_DATE = [
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/** Retry-After as delta-seconds or an HTTP date; never capped: D365 means what it says. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return null;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  // Only the HTTP-date forms (RFC 9110: IMF-fixdate, RFC 850, asctime): Date.parse would read
  // "1.5" or "12 apples" as some date in the past, a wait of 0 — and hammer a throttling server.
  if (!HTTP_DATE.some((re) => re.test(t))) return null;
  const at = Date.parse(t);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'answer stalled',
  UND_ERR_SOCKET: 'connection dropped',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_ABORTED: 'request aborted',
};

/** Maps a thrown network error to OFFLINE with a reason a person can read. */
export function networkError(e: unknown, what: string, deadlineMs?: number): D365Error {
  if (isD365Error(e)) return e;
  const err = e as { code?: string; name?: string; cause?: { code?: string; name?: string }; message?: string };
  const code = err?.code ?? err?.cause?.code ?? '';
  const timedOut = err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError';
  let reason = timedOut ? `no complete answer within ${Math.round((deadlineMs ?? 0) / 1000)} s` : NETWORK_CODES[code];
  if (!reason && /CERT|TLS|SSL|SELF_SIGNED/i.test(code + ' ' + (err?.message ?? ''))) reason = `TLS certificate problem (${code || err?.message})`;
  if (!reason) reason = err?.message ?? String(e);
  return new D365Error('OFFLINE', `${what}: D365 is not reachable — ${reason}`, { cause: e });
}
