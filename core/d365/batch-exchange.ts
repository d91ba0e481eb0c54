import { randomUUID } from 'node:crypto';
import { buildMultipartBatch, parseMultipartReply, type BatchCall, type BatchReply, type WireGroup, type WrittenBatch } from './batch.ts';
import { REQUEST_LINE_FORMS, SINGLE_REQUESTS_FOR_MS, type BatchSettings, type RequestLineForm } from './batch-settings.ts';
import { D365Error, isD365Error } from './errors.ts';
import { buildJsonBatch, isJsonBatchReply, parseJsonReply } from './json-batch.ts';
import { boundaryOf } from './multipart.ts';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** What the exchange needs from the client: HTTP with tokens, single requests, D365's error rules. */
export interface BatchTransport {
  /** POSTs a $batch; the answer comes back whatever its status, except trouble with the connection (thrown) */
  post(body: string, headers: Record<string, string>, what: string): Promise<Answer>;
  /** the calls one at a time, as without $batch */
  singly(calls: readonly BatchCall[], whats: readonly string[]): Promise<(Answer | D365Error)[]>;
  classify(answer: Answer, what: string): D365Error;
}

export interface BatchExchangeOptions {
  /** the OData service root, to write request lines relative to it */
  serviceRoot: string;
  format: 'multipart' | 'json';
  /** the profile's limit; settings.maxOperations may lower it */
  maxOperations: number;
  /** false: never $batch */
  enabled: boolean;
  settings: BatchSettings;
  now: () => number;
  /** something worth keeping was learned; `notice` is for people when sending changes its way */
  onLearned?: (settings: BatchSettings, notice: string | null) => void;
  transport: BatchTransport;
  newId?: () => string;
}

/** Unusable answers in a row before the connection goes over to single requests for a while. */
const UNUSABLE_IN_A_ROW = 2;

type Read =
  | { usable: true; byCall: (BatchReply | undefined)[]; unattributed: Map<number, BatchReply>; layout: number[][] }
  | { usable: false; reason: string; status: number | null };

const success = (status: number): boolean => status >= 200 && status < 300;

function notExecuted(what: string, why: string): D365Error {
  return new D365Error('NOT_EXECUTED', `${what}: not executed — ${why}; it goes again`);
}

/** The target of a request line in the given form. */
function requestTarget(url: string, form: RequestLineForm, serviceRoot: string): string {
  switch (form) {
    case 'absolute-uri':
      return url;
    case 'absolute-path':
      return url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
    case 'relative':
      return url.startsWith(`${serviceRoot}/`) ? url.slice(serviceRoot.length + 1) : url;
  }
}

/** The entity set an order URL reads from, asked for nothing: a resource any form can reach if it works at all. */
function probeUrl(url: string): string {
  const question = url.indexOf('?');
  const path = question < 0 ? url : url.slice(0, question);
  const slash = path.lastIndexOf('/');
  const last = path.slice(slash + 1);
  const open = last.indexOf('(');
  return `${path.slice(0, slash + 1)}${open < 0 ? last : last.slice(0, open)}?$top=0`;
}

/** Answers by Content-ID; those without one by their place in the batch. */
function placeReplies(replies: readonly BatchReply[], layout: number[][], count: number): Extract<Read, { usable: true }> | { usable: false; reason: string } {
  if (replies.length === 0) return { usable: false, reason: 'the $batch answer has no parts' };
  const byCall: (BatchReply | undefined)[] = new Array(count);
  const unattributed = new Map<number, BatchReply>();
  const perItem = new Map<number, number>();
  for (const r of replies) perItem.set(r.item, (perItem.get(r.item) ?? 0) + 1);
  for (const r of replies) {
    let index: number | undefined;
    if (r.contentId !== undefined) {
      index = /^\d+$/.test(r.contentId) ? Number(r.contentId) - 1 : -1;
      if (!(index >= 0 && index < count)) return { usable: false, reason: `an answer names Content-ID ${JSON.stringify(r.contentId)}, which was not sent` };
    } else {
      const item = layout[r.item];
      if (!item) return { usable: false, reason: `the $batch answer has more parts than the batch had` };
      if (item.length > 1 && (perItem.get(r.item) ?? 0) < item.length) {
        // a failed changeset collapsed to one part that does not say which request failed
        unattributed.set(r.item, r);
        continue;
      }
      index = item[r.index];
      if (index === undefined) return { usable: false, reason: `the $batch answer has more parts than the batch had` };
    }
    if (byCall[index]) return { usable: false, reason: `the $batch answer has two parts for request ${index + 1}` };
    byCall[index] = r;
  }
  return { usable: true, byCall, unattributed, layout };
}

/**
 * $batch as real servers speak it: request lines relative to the service root (the form is
 * learned once if a server refuses it), `Prefer: odata.continue-on-error`, answers matched by
 * Content-ID, an early stop taken as "the rest was not executed", every request of a failed
 * changeset or atomicity group read again, and answers it cannot use sending the connection to
 * single requests for a while. Batch trouble never stops the drain.
 */
export class BatchExchange {
  readonly #o: BatchExchangeOptions;
  readonly #newId: () => string;
  #settings: BatchSettings;
  /** a usable answer has come back on this connection */
  #answered = false;
  /** a part in the current form succeeded: failing parts are about the orders, not the form */
  #formConfirmed = false;
  #unusableInARow = 0;

  constructor(options: BatchExchangeOptions) {
    this.#o = options;
    this.#newId = options.newId ?? randomUUID;
    this.#settings = { ...options.settings };
  }

  /** false: single requests (refused, switched off, or for a while after unusable answers); null: not known yet. */
  get batching(): boolean | null {
    if (this.#singly()) return false;
    return this.#answered ? true : null;
  }

  #singly(): boolean {
    return !this.#o.enabled || this.#o.now() < (this.#settings.singleRequestsUntil ?? 0);
  }

  get settings(): BatchSettings {
    return { ...this.#settings };
  }

  get #form(): RequestLineForm {
    return this.#settings.requestLines ?? 'relative';
  }

  /** Answers in the order of the calls: what D365 said, or why a call has no answer. */
  async exchange(calls: readonly BatchCall[], whats: readonly string[]): Promise<(Answer | D365Error)[]> {
    if (calls.length <= 1 || this.#singly()) return this.#o.transport.singly(calls, whats);
    const out: (Answer | D365Error)[] = new Array(calls.length);
    let stop: D365Error | null = null;
    for (const chunk of this.#chunks(calls)) {
      const part = chunk.map((i) => calls[i]!);
      const partWhats = chunk.map((i) => whats[i]!);
      let results: (Answer | D365Error)[];
      if (stop) {
        results = chunk.map(() => stop!);
      } else if (this.#singly()) {
        // an earlier batch of this exchange sent the connection to single requests
        results = await this.#o.transport.singly(part, partWhats);
      } else {
        try {
          results = await this.#batch(part, partWhats);
        } catch (e) {
          // throttled, offline, credentials: the connection's trouble stands for the rest
          if (!isD365Error(e)) throw e;
          stop = e;
          results = chunk.map(() => e);
        }
      }
      chunk.forEach((i, k) => (out[i] = results[k]!));
    }
    return out;
  }

  /** The most operations one $batch may hold on this connection. */
  get maxOperations(): number {
    return Math.max(1, Math.min(this.#o.maxOperations, this.#settings.maxOperations ?? Number.POSITIVE_INFINITY));
  }

  /** Calls grouped (a group never splits) and packed into batches of at most the limit. */
  #chunks(calls: readonly BatchCall[]): number[][] {
    const limit = this.maxOperations;
    const groups = new Map<string, number[]>();
    calls.forEach((c, i) => {
      const key = c.group === undefined ? `#${i}` : `g:${c.group}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const chunks: number[][] = [];
    let current: number[] = [];
    for (const group of groups.values()) {
      if (current.length > 0 && current.length + group.length > limit) {
        chunks.push(current);
        current = [];
      }
      current.push(...group);
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  async #batch(calls: readonly BatchCall[], whats: readonly string[]): Promise<(Answer | D365Error)[]> {
    let read = await this.#roundTrip(calls, this.#form);
    if (!this.#formConfirmed && this.#looksRefused(read)) {
      // nothing worked: the orders, or the way the request lines are written? Ask the server.
      const form = await this.#detectForm(calls[0]!);
      if (form === null) {
        read = { usable: false, reason: 'no request in it succeeded in any request-line form', status: read.usable ? null : read.status };
      } else if (form !== this.#form) {
        this.#learn({ requestLines: form }, null);
        read = await this.#roundTrip(calls, form);
      }
    }
    if (!read.usable) return this.#unusable(read, calls, whats);
    this.#unusableInARow = 0;
    this.#answered = true;
    if (read.byCall.some((r) => r && success(r.status))) this.#formConfirmed = true;
    return this.#settle(read, calls, whats);
  }

  #looksRefused(read: Read): boolean {
    if (!read.usable) return read.status === 400;
    if (read.byCall.some((r) => r && success(r.status))) return false;
    const first = read.byCall.find((r) => r !== undefined) ?? [...read.unattributed.values()][0];
    return first !== undefined && (first.status === 400 || first.status === 404);
  }

  async #detectForm(sample: BatchCall): Promise<RequestLineForm | null> {
    const probe: BatchCall = { method: 'GET', url: probeUrl(sample.url), headers: { accept: 'application/json' } };
    for (const form of [this.#form, ...REQUEST_LINE_FORMS.filter((f) => f !== this.#form)]) {
      const read = await this.#roundTrip([probe], form);
      const answer = read.usable ? read.byCall[0] : undefined;
      if (answer && success(answer.status)) {
        this.#formConfirmed = true;
        return form;
      }
    }
    return null;
  }

  async #roundTrip(calls: readonly BatchCall[], form: RequestLineForm): Promise<Read> {
    const groups: WireGroup[] = [];
    const grouped = new Map<string, WireGroup>();
    calls.forEach((call, index) => {
      const wire = { id: String(index + 1), index, target: requestTarget(call.url, form, this.#o.serviceRoot), call };
      const existing = call.group === undefined ? undefined : grouped.get(call.group);
      if (existing) {
        existing.calls.push(wire);
        return;
      }
      // every write travels in a changeset / atomicity group, even alone
      const group: WireGroup = { atomic: call.method !== 'GET', calls: [wire] };
      groups.push(group);
      if (call.group !== undefined) grouped.set(call.group, group);
    });
    const json = this.#o.format === 'json';
    const written: WrittenBatch = json ? buildJsonBatch(groups) : buildMultipartBatch(groups, this.#newId);
    const what = `$batch of ${calls.length} requests`;
    let answer: Answer;
    try {
      answer = await this.#o.transport.post(
        written.body,
        { 'content-type': written.contentType, accept: json ? 'application/json' : 'multipart/mixed', prefer: 'odata.continue-on-error' },
        what,
      );
    } catch (e) {
      // too large, or cut short: an answer we cannot use, not a connection that is down
      if (isD365Error(e) && e.code === 'BAD_RESPONSE') return { usable: false, reason: e.message, status: null };
      throw e;
    }
    const type = String(answer.headers['content-type'] ?? '');
    const isBatch = json ? isJsonBatchReply(answer.text) : boundaryOf(type) !== undefined;
    if (!isBatch) return { usable: false, reason: this.#o.transport.classify(answer, what).message, status: answer.status };
    let replies: BatchReply[];
    try {
      replies = json ? parseJsonReply(answer.text) : parseMultipartReply(type, answer.text);
    } catch (e) {
      return { usable: false, reason: `${what}: ${(e as Error).message}`, status: answer.status };
    }
    const layout = written.layout.map((item) => item.map((c) => c.index));
    const placed = placeReplies(replies, layout, calls.length);
    return placed.usable ? placed : { usable: false, reason: `${what}: ${placed.reason}`, status: answer.status };
  }

  #settle(read: Extract<Read, { usable: true }>, calls: readonly BatchCall[], whats: readonly string[]): (Answer | D365Error)[] {
    const { byCall } = read;
    const out: (Answer | D365Error)[] = calls.map((_c, i) => {
      const r = byCall[i];
      if (!r) return notExecuted(whats[i]!, 'the server stopped the $batch before it');
      return success(r.status) ? r : this.#o.transport.classify(r, whats[i]!);
    });
    for (const [item, reply] of read.unattributed) {
      // which request failed is not said: the failure stands for each, and the rest of the group is undone anyway
      for (const i of read.layout[item] ?? []) out[i] = this.#o.transport.classify(reply, whats[i]!);
    }
    // a changeset / atomicity group is all or nothing: never trust a success inside a failed one
    const groups = new Map<string, number[]>();
    calls.forEach((c, i) => {
      if (c.group !== undefined) groups.set(c.group, [...(groups.get(c.group) ?? []), i]);
    });
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      const failed = members.some((i) => !byCall[i] || !success(byCall[i]!.status));
      if (!failed) continue;
      for (const i of members) {
        const r = byCall[i];
        if (r && success(r.status)) out[i] = notExecuted(whats[i]!, 'its changeset failed, so D365 rolled it back whatever its own answer said');
      }
    }
    return out;
  }

  #unusable(read: Extract<Read, { usable: false }>, calls: readonly BatchCall[], whats: readonly string[]): Promise<(Answer | D365Error)[]> {
    const refused = read.status === 404 || read.status === 405 || read.status === 501;
    this.#unusableInARow++;
    if (refused) this.#goSingle(`the server does not take $batch (${read.reason})`);
    else if (this.#unusableInARow >= UNUSABLE_IN_A_ROW) this.#goSingle(`${UNUSABLE_IN_A_ROW} $batch answers in a row could not be used (${read.reason})`);
    // the same calls one by one now: If-Match keeps a write that did get through from applying twice
    return this.#o.transport.singly(calls, whats);
  }

  #goSingle(why: string): void {
    const until = this.#o.now() + SINGLE_REQUESTS_FOR_MS;
    this.#unusableInARow = 0;
    this.#learn({ singleRequestsUntil: until }, `Sending single requests to D365 until ${new Date(until).toISOString()}: ${why}. $batch is tried again after that.`);
  }

  #learn(change: BatchSettings, notice: string | null): void {
    this.#settings = { ...this.#settings, ...change };
    this.#o.onLearned?.(this.settings, notice);
  }
}
