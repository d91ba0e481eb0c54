import type { RandomFaults, ScriptedFault } from './types.ts';
import { safeDecode, type SimResponse } from './http-message.ts';
import type { Rng } from './rng.ts';

/**
 * Where a request is being matched: on the socket, or as one part of a $batch. Faults of the
 * transport (reset, timeout, html, garbage) only exist on the socket; the rest can also hit a
 * single part.
 */
export type FaultLevel = 'socket' | 'part';

const PART_KINDS: ReadonlySet<ScriptedFault['kind']> = new Set(['status', 'throttle', 'missing-etag', 'writer']);

export interface FaultTarget {
  method: string;
  target: string;
  level: FaultLevel;
  /** a 'writer' fault needs an order to write to */
  addressesOrder: boolean;
}

function matches(fault: ScriptedFault, at: FaultTarget): boolean {
  if (at.level === 'part' && !PART_KINDS.has(fault.kind)) return false;
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

/**
 * One draw per request decides its fault, so the sequence of faults depends only on the seed
 * and the sequence of requests.
 */
export function drawRandomFault(rng: Rng, faults: RandomFaults): ScriptedFault | undefined {
  const draw = rng();
  const kinds: [number | undefined, () => ScriptedFault][] = [
    [faults.throttle, () => ({ kind: 'throttle', retryAfter: faults.retryAfterSeconds ?? 1 })],
    [faults.reset, () => ({ kind: 'reset' })],
    [faults.timeout, () => ({ kind: 'timeout' })],
    [faults.html, () => ({ kind: 'html' })],
    [faults.garbage, () => ({ kind: 'garbage' })],
    [faults.missingEtag, () => ({ kind: 'missing-etag' })],
  ];
  let threshold = 0;
  for (const [probability, make] of kinds) {
    threshold += probability ?? 0;
    if (draw < threshold) return make();
  }
  return undefined;
}

export function throttled(status: 429 | 503, retryAfter: number | Date): SimResponse {
  const value = typeof retryAfter === 'number' ? String(Math.max(0, Math.ceil(retryAfter))) : retryAfter.toUTCString();
  const seconds = typeof retryAfter === 'number' ? Math.ceil(retryAfter) : Math.max(0, Math.ceil((retryAfter.getTime() - Date.now()) / 1000));
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
