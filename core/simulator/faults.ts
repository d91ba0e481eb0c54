import type { RandomFaults, SalesOrder, ScriptedFault } from './types.ts';
import { safeDecode, type SimResponse } from './http-message.ts';
import type { Rng } from './rng.ts';

/**
 * Fault injection in one table: for each kind, whether it can hit one part of a $batch, which
 * random probability draws it, and what it does to the request. Scripted and random faults,
 * on the socket and inside a batch, all go through `FAULTS`.
 */

type Kind = ScriptedFault['kind'];
type FaultOf<K extends Kind> = Extract<ScriptedFault, { kind: K }>;

/** What a fault needs from the request it hits. */
export interface FaultRun {
  /** handles the request (optionally with a background write first or the ETags stripped) */
  dispatch(extras?: { writerFields?: SalesOrder; stripEtags?: boolean }): SimResponse;
  /** an @odata.context for a garbled answer that had no JSON of its own */
  contextUrl: string;
  now: number;
}

/** answer: send it; cut: headers and half the body, then the socket dies; silence: never answer */
export type FaultEffect = { answer: SimResponse } | { cut: SimResponse } | { silence: true };

interface FaultRule<K extends Kind> {
  /** transport faults (reset, timeout, html, garbage) exist only on the socket */
  inParts: boolean;
  /** drawn per request with this probability, in the table's order */
  random?: { probability: keyof RandomFaults; make(options: RandomFaults): FaultOf<K> };
  apply(fault: FaultOf<K>, run: FaultRun): FaultEffect;
}

const NOTHING: SimResponse = { status: 200, headers: {}, body: '' };

export const FAULTS: { readonly [K in Kind]: FaultRule<K> } = {
  status: {
    inParts: true,
    apply: (f) => ({
      answer: { status: f.status, headers: { 'Content-Type': f.contentType ?? 'application/json; charset=utf-8', ...f.headers }, body: f.body ?? '' },
    }),
  },
  throttle: {
    inParts: true,
    random: { probability: 'throttle', make: (o) => ({ kind: 'throttle', retryAfter: o.retryAfterSeconds ?? 1 }) },
    apply: (f, run) => ({ answer: throttled(f.status ?? 429, f.retryAfter, run.now) }),
  },
  reset: {
    inParts: false,
    random: { probability: 'reset', make: () => ({ kind: 'reset' }) },
    apply: (f, run) => ({ cut: f.applied === false ? NOTHING : run.dispatch() }),
  },
  timeout: {
    inParts: false,
    random: { probability: 'timeout', make: () => ({ kind: 'timeout' }) },
    apply: (f, run) => {
      // the request may or may not have reached D365 before the line went quiet
      if (f.applied) run.dispatch();
      return { silence: true };
    },
  },
  html: {
    inParts: false,
    random: { probability: 'html', make: () => ({ kind: 'html' }) },
    apply: (f) => ({ answer: htmlErrorPage(f.status ?? 502) }),
  },
  garbage: {
    inParts: false,
    random: { probability: 'garbage', make: () => ({ kind: 'garbage' }) },
    apply: (_f, run) => ({ answer: garbled(run.dispatch(), run.contextUrl) }),
  },
  'missing-etag': {
    inParts: true,
    random: { probability: 'missingEtag', make: () => ({ kind: 'missing-etag' }) },
    apply: (_f, run) => ({ answer: run.dispatch({ stripEtags: true }) }),
  },
  writer: {
    inParts: true,
    apply: (f, run) => ({ answer: run.dispatch({ writerFields: f.fields }) }),
  },
};

export function applyFault(fault: ScriptedFault, run: FaultRun): FaultEffect {
  return (FAULTS[fault.kind] as FaultRule<Kind>).apply(fault, run);
}

/** Where a request is being matched: on the socket, or as one part of a $batch. */
export type FaultLevel = 'socket' | 'part';

export interface FaultTarget {
  method: string;
  target: string;
  level: FaultLevel;
  /** a 'writer' fault needs an order to write to */
  addressesOrder: boolean;
}

function matches(fault: ScriptedFault, at: FaultTarget): boolean {
  if (at.level === 'part' && !FAULTS[fault.kind].inParts) return false;
  if (fault.kind === 'writer' && !at.addressesOrder) return false;
  if (fault.method && fault.method !== 'ANY' && fault.method !== at.method) return false;
  if (fault.pathIncludes !== undefined) {
    return at.target.includes(fault.pathIncludes) || safeDecode(at.target).includes(fault.pathIncludes);
  }
  return true;
}

/** Scripted faults, each consumed by the first request it matches, in the order queued. */
export class FaultScript {
  readonly #queue: ScriptedFault[] = [];

  push(...faults: ScriptedFault[]): void {
    this.#queue.push(...faults);
  }

  take(at: FaultTarget): ScriptedFault | undefined {
    const index = this.#queue.findIndex((f) => matches(f, at));
    if (index < 0) return undefined;
    return this.#queue.splice(index, 1)[0];
  }

  get pending(): number {
    return this.#queue.length;
  }
}

interface RandomDraw {
  probability: keyof RandomFaults;
  make(options: RandomFaults): ScriptedFault;
}

const RANDOM: readonly RandomDraw[] = Object.values(FAULTS).flatMap((rule): RandomDraw[] => (rule.random ? [rule.random] : []));

export function anyRandomFault(faults: RandomFaults): boolean {
  return RANDOM.some((r) => (faults[r.probability] ?? 0) > 0);
}

/**
 * One draw per request decides its fault, so the sequence of faults depends only on the seed
 * and the sequence of requests.
 */
export function drawRandomFault(rng: Rng, faults: RandomFaults): ScriptedFault | undefined {
  const draw = rng();
  let threshold = 0;
  for (const r of RANDOM) {
    threshold += faults[r.probability] ?? 0;
    if (draw < threshold) return r.make(faults);
  }
  return undefined;
}

export function throttled(status: 429 | 503, retryAfter: number | Date, now: number): SimResponse {
  const value = typeof retryAfter === 'number' ? String(Math.max(0, Math.ceil(retryAfter))) : retryAfter.toUTCString();
  const seconds = typeof retryAfter === 'number' ? Math.ceil(retryAfter) : Math.max(0, Math.ceil((retryAfter.getTime() - now) / 1000));
  const message =
    status === 429
      ? `Rate limit is exceeded. Try again in ${seconds} seconds.`
      : `The service is temporarily unavailable because of high load. Try again in ${seconds} seconds.`;
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': value },
    body: JSON.stringify({ error: { code: status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', message } }),
  };
}

export function htmlErrorPage(status: number): SimResponse {
  const title =
    status === 502
      ? '502 - Web server received an invalid response while acting as a gateway or proxy server.'
      : `${status} - The server encountered an error.`;
  const body = [
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml">',
    `<head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/><title>${title}</title></head>`,
    `<body><div id="header"><h1>Server Error</h1></div><div id="content"><fieldset><h2>${title}</h2>`,
    '<h3>There is a problem with the page you are looking for, and it cannot be displayed.</h3></fieldset></div></body>',
    '</html>',
  ].join('\r\n');
  return { status, headers: { 'Content-Type': 'text/html' }, body };
}

/** A 200 whose JSON stops half-way, as when a proxy cuts a response it already started. */
export function garbled(response: SimResponse, fallbackContext: string): SimResponse {
  const whole =
    response.body.trim().startsWith('{') && response.body.length > 2
      ? response.body
      : JSON.stringify({ '@odata.context': fallbackContext, '@odata.etag': 'W/"JzEsNTYzNzE0NDU3NjswLDA7MCwwJw=="', value: [] });
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; odata.metadata=minimal; charset=utf-8', 'OData-Version': '4.0' },
    body: whole.slice(0, Math.max(1, Math.floor(whole.length / 2))),
  };
}
