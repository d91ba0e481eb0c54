import type { D365Client, OrderSnapshot } from '../d365/client.ts';
import { D365Error, disposition, isD365Error } from '../d365/errors.ts';
import { sameValue } from '../d365/odata.ts';
import type { FieldPolicy } from '../d365/profile.ts';
import type { FieldConflict } from '../outbox/outbox.ts';
import type { Fields, FieldValue, Update } from '../outbox/types.ts';

export interface RetryPolicy {
  /** concurrency retries within one pass before the update waits for a later pass */
  retryLimit: number;
  /** waits between tries; the last repeats */
  backoffMs: readonly number[];
  /** ±fraction of random spread on each wait */
  jitter: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retryLimit: 3, backoffMs: [500, 1500, 4000], jitter: 0.25 };

export type AutoResolved = FieldConflict & { resolution: 'policy-ours' | 'policy-theirs' };

export type SendOutcome =
  | { kind: 'done'; alreadyApplied: boolean; etagBefore: string; etagAfter: string | null; sent: Fields; retries: number; autoResolved: AutoResolved[] }
  | { kind: 'conflict'; conflicts: FieldConflict[]; etag: string; retries: number; autoResolved: AutoResolved[] }
  /** refused by D365 (validation, not found): a person must look */
  | { kind: 'failed'; error: D365Error; retries: number }
  /** still losing the ETag race after the retry limit: try again in a later pass */
  | { kind: 'gave-up'; error: D365Error; retries: number }
  /** throttled, offline, server trouble, credentials: the whole drain must pause */
  | { kind: 'interrupted'; error: D365Error; retries: number }
  /** the drain is stopping; nothing more was sent */
  | { kind: 'stopped'; retries: number };

export interface SendHooks {
  /**
   * Called once per update, right before its first PATCH, with the first-seen values of
   * fields that had no base. Returns the ids that may still be sent (a person may have held
   * one meanwhile); all in one transaction.
   */
  claim(items: { id: number; baseAdditions: Fields }[]): Set<number>;
  request(method: 'GET' | 'PATCH', count: number): void;
  concurrencyError(): void;
  retrying(id: number, attempt: number, delayMs: number, error: D365Error): void;
}

export interface SendDeps {
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
  random(): number;
  signal?: AbortSignal;
  fieldPolicy: Record<string, FieldPolicy>;
  /** this group's first reads, when they travelled ahead with an earlier request */
  prefetched?: ReadonlyMap<number, OrderSnapshot | D365Error>;
  /** this group checked and claimed already (prepareGroup, while an earlier request travelled): its writes go out at once */
  prepared?: PreparedGroup;
  /** a later group whose first reads may travel with this group's first request of each kind (different orders, so independent) */
  readAhead?: ReadAhead;
  /** runs while each of this group's requests is on the wire: the drainer settles and prepares other groups then */
  whileWaiting?: () => void;
}

export interface ReadAhead {
  /** the updates to read along (none: nothing rides) */
  take(): readonly Update[];
  /** their first reads, once the request is answered; null when that exchange failed */
  arrived(updates: readonly Update[], reads: (OrderSnapshot | D365Error)[] | null): void;
}

type Sendable = Update & { ownValues?: Record<string, FieldValue[]> };

export interface GroupResult {
  outcomes: Map<number, SendOutcome>;
}

/** A group whose first reads are checked and whose writes are claimed: what is left is to send them. */
export interface PreparedGroup {
  /** outcomes the first reads decided (already applied, a conflict, a refused read) */
  outcomes: Map<number, SendOutcome>;
  /** the claimed writes */
  writes: Write[];
}

/**
 * The fields a first read asks for: the changed ones, and where the profile has a modification
 * time and the update lacks a base for some field, that time too (see checkFields' `unsure`).
 */
export function firstReadFields(u: Update, modifiedField: string | null): string[] {
  const fields = Object.keys(u.fields);
  const baseless = fields.some((f) => !(u.base && f in u.base));
  return modifiedField && baseless ? [...fields, modifiedField] : fields;
}

export interface FieldCheck {
  /** fields to PATCH with our values */
  send: Fields;
  /** someone else changed a field we change, and the policy says ask */
  conflicts: FieldConflict[];
  autoResolved: AutoResolved[];
  /** every changed field already holds our value */
  applied: boolean;
}

/**
 * The three-way check per changed field: base (what the person saw), theirs (what D365 holds
 * now) and ours. A field someone else changed to something other than ours is a true
 * conflict; changes to fields we don't touch are never looked at. D365 holding a value this
 * outbox sent earlier (`own`, even one whose PATCH outcome was never known) is our own write,
 * not someone else's change.
 */
export function checkFields(
  ours: Fields,
  base: Fields,
  current: Fields,
  policy: Record<string, FieldPolicy>,
  own: Record<string, FieldValue[]> = {},
  /** fields whose base is only what the first GET saw, on an order that changed after queueing */
  unsure: ReadonlySet<string> = new Set(),
): FieldCheck {
  const send: Fields = {};
  const conflicts: FieldConflict[] = [];
  const autoResolved: AutoResolved[] = [];
  let applied = true;
  for (const [field, value] of Object.entries(ours)) {
    const theirs = current[field] ?? null;
    if (sameValue(theirs, value)) continue;
    applied = false;
    const seen = field in base ? base[field]! : theirs;
    const ownWrite = (own[field] ?? []).some((v) => sameValue(v, theirs));
    if (ownWrite || (sameValue(theirs, seen) && !unsure.has(field))) {
      send[field] = value;
      continue;
    }
    // An unsure field's base is unknown: the person never saw a value, someone may have changed it.
    const c = { field, base: unsure.has(field) ? null : seen, ours: value, theirs };
    switch (policy[field] ?? 'ask') {
      case 'ours':
        send[field] = value;
        autoResolved.push({ ...c, resolution: 'policy-ours' });
        break;
      case 'theirs':
        autoResolved.push({ ...c, resolution: 'policy-theirs' });
        break;
      case 'ask':
        conflicts.push(c);
        break;
    }
  }
  return { send, conflicts, autoResolved, applied };
}

export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const base = policy.backoffMs[Math.min(attempt - 1, policy.backoffMs.length - 1)] ?? 1000;
  return Math.max(0, Math.round(base * (1 + policy.jitter * (2 * random() - 1))));
}

interface InFlight {
  update: Update & { ownValues?: Record<string, FieldValue[]> };
  base: Fields;
  /** values of base-less fields at the first GET: the base from then on, stored at claim */
  firstSeen: Fields;
  /** base-less fields of an order D365 says changed after the update was queued: a person confirms */
  unsure: Set<string>;
  claimed: boolean;
  retries: number;
}

interface Write {
  a: InFlight;
  snapshot: OrderSnapshot;
  send: Fields;
  autoResolved: AutoResolved[];
}

function inFlight(update: Sendable): InFlight {
  return { update, base: { ...(update.base ?? {}) }, firstSeen: {}, unsure: new Set(), claimed: false, retries: 0 };
}

/**
 * A group's first round without its requests: its first reads (arrived with an earlier
 * request) checked and its writes claimed. The drainer does this while another group's
 * request is on the wire, so the claim's durable commit is not between two requests.
 */
export function prepareGroup(
  updates: readonly Sendable[],
  reads: ReadonlyMap<number, OrderSnapshot | D365Error>,
  client: D365Client,
  hooks: SendHooks,
  deps: Pick<SendDeps, 'fieldPolicy'>,
): PreparedGroup {
  const outcomes = new Map<number, SendOutcome>();
  const active = updates.map(inFlight);
  const writes = checkRound(active, active.map((a) => reads.get(a.update.id)!), true, client.profile.modifiedField, hooks, deps, outcomes);
  return { outcomes, writes };
}

/**
 * One round's reads checked (GET → already applied? → three-way check) and the writes it
 * leaves claimed; the other outcomes are put in `outcomes`. Returns the claimed writes.
 */
function checkRound(
  active: readonly InFlight[],
  reads: readonly (OrderSnapshot | D365Error)[],
  firstRound: boolean,
  modified: string | null,
  hooks: SendHooks,
  deps: Pick<SendDeps, 'fieldPolicy'>,
  outcomes: Map<number, SendOutcome>,
): Write[] {
  const writes: Write[] = [];
  for (const [i, a] of active.entries()) {
    const read = reads[i]!;
    if (read instanceof D365Error) {
      outcomes.set(a.update.id, settleError(read, a.retries));
      continue;
    }
    if (firstRound) {
      // Without a base, the value seen at the first GET is the base — unless D365 says the
      // order changed after the update was queued: then that value may be someone else's.
      const changedAt = modified ? Date.parse(String(read.values[modified] ?? '')) : NaN;
      const changedSince = changedAt > a.update.createdAt;
      for (const f of Object.keys(a.update.fields)) {
        if (f in a.base) continue;
        a.firstSeen[f] = read.values[f] ?? null;
        if (changedSince) a.unsure.add(f);
      }
      a.base = { ...a.firstSeen, ...a.base };
    }
    const check = checkFields(a.update.fields, a.base, read.values, deps.fieldPolicy, a.update.ownValues, a.unsure);
    if (check.applied) {
      outcomes.set(a.update.id, { kind: 'done', alreadyApplied: true, etagBefore: read.etag, etagAfter: read.etag, sent: {}, retries: a.retries, autoResolved: [] });
    } else if (check.conflicts.length > 0) {
      outcomes.set(a.update.id, { kind: 'conflict', conflicts: check.conflicts, etag: read.etag, retries: a.retries, autoResolved: check.autoResolved });
    } else if (Object.keys(check.send).length === 0) {
      // Only 'theirs' policies remained: nothing of ours to write.
      outcomes.set(a.update.id, { kind: 'done', alreadyApplied: false, etagBefore: read.etag, etagAfter: read.etag, sent: {}, retries: a.retries, autoResolved: check.autoResolved });
    } else {
      writes.push({ a, snapshot: read, send: check.send, autoResolved: check.autoResolved });
    }
  }
  const unclaimed = writes.filter((w) => !w.a.claimed);
  if (unclaimed.length > 0) {
    const allowed = hooks.claim(unclaimed.map((w) => ({ id: w.a.update.id, baseAdditions: w.a.firstSeen })));
    for (const w of unclaimed) {
      if (allowed.has(w.a.update.id)) w.a.claimed = true;
      else outcomes.set(w.a.update.id, { kind: 'stopped', retries: w.a.retries });
    }
  }
  return writes.filter((w) => w.a.claimed);
}

/**
 * One pass over a group of updates (one per order): GET → already applied? → three-way check
 * → PATCH with If-Match, re-reading and retrying with backoff those that lost the ETag race.
 * The client decides whether a group travels as one $batch or as single requests; the
 * algorithm is the same, and a group of one is the plain single-request case.
 */
export async function sendGroup(updates: readonly Sendable[], client: D365Client, policy: RetryPolicy, hooks: SendHooks, deps: SendDeps): Promise<GroupResult> {
  const outcomes = new Map<number, SendOutcome>(deps.prepared?.outcomes);
  let ready: Write[] | null = deps.prepared?.writes ?? null;
  let active: InFlight[] = ready ? [] : updates.map(inFlight);
  let firstRound = ready === null;
  const modified = client.profile.modifiedField;
  // Reads of a later group ride along with the first GETs and the first writes of this one.
  const asked = { GET: false, PATCH: false };
  const ride = (kind: 'GET' | 'PATCH'): readonly Update[] => {
    if (asked[kind] || !deps.readAhead) return [];
    asked[kind] = true;
    const next = deps.readAhead.take();
    if (next.length > 0) hooks.request('GET', next.length);
    return next;
  };
  // The request goes out a few turns after it is made: the token, then undici writes to a
  // reused keep-alive socket only in the check phase after it looked the socket over. The work
  // meant for the round trip runs in the check phase after that one, then the answer is awaited.
  const waiting = async <T>(answer: Promise<T>): Promise<T> => {
    const run = deps.whileWaiting;
    if (run) {
      answer.catch(() => {});
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      run();
    }
    return answer;
  };
  for (;;) {
    let writes: Write[];
    if (ready) {
      writes = ready;
      ready = null;
    } else {
      let reads: (OrderSnapshot | D365Error)[];
      let next: readonly Update[] = [];
      try {
        const prefetched = firstRound && deps.prefetched && active.every((a) => deps.prefetched!.has(a.update.id)) ? deps.prefetched : null;
        if (prefetched) reads = active.map((a) => prefetched.get(a.update.id)!);
        else {
          hooks.request('GET', active.length);
          next = firstRound ? ride('GET') : [];
          const keys = [...active.map((a) => a.update), ...next];
          const fields = [...active.map((a) => (firstRound ? firstReadFields(a.update, modified) : Object.keys(a.update.fields))), ...next.map((u) => firstReadFields(u, modified))];
          const all = await waiting(client.readOrders(keys, fields));
          reads = all.slice(0, active.length);
          if (next.length > 0) deps.readAhead!.arrived(next, all.slice(active.length));
        }
      } catch (e) {
        if (next.length > 0) deps.readAhead!.arrived(next, null);
        for (const a of active) outcomes.set(a.update.id, settleError(e, a.retries));
        break;
      }
      writes = checkRound(active, reads, firstRound, modified, hooks, deps, outcomes);
      firstRound = false;
    }
    if (writes.length === 0) break;
    let results: ({ etag: string | null } | D365Error)[];
    const next = ride('PATCH');
    try {
      hooks.request('PATCH', writes.length);
      const answer = await waiting(
        client.writeOrders(
          writes.map((w) => ({ snapshot: w.snapshot, fields: w.send, what: `PATCH order ${w.a.update.orderNumber} (${w.a.update.company})` })),
          next.length > 0 ? { keys: next, fields: next.map((u) => firstReadFields(u, modified)) } : undefined,
        ),
      );
      results = answer.written;
      if (next.length > 0) deps.readAhead!.arrived(next, answer.read);
    } catch (e) {
      if (next.length > 0) deps.readAhead!.arrived(next, null);
      for (const w of writes) outcomes.set(w.a.update.id, settleError(e, w.a.retries));
      break;
    }
    const again: InFlight[] = [];
    for (const [i, w] of writes.entries()) {
      const result = results[i]!;
      const a = w.a;
      if (!(result instanceof D365Error)) {
        outcomes.set(a.update.id, { kind: 'done', alreadyApplied: false, etagBefore: w.snapshot.etag, etagAfter: result.etag, sent: w.send, retries: a.retries, autoResolved: w.autoResolved });
      } else if (disposition(result.code) !== 'race') {
        outcomes.set(a.update.id, settleError(result, a.retries));
      } else {
        hooks.concurrencyError();
        a.retries++;
        if (a.retries > policy.retryLimit) outcomes.set(a.update.id, { kind: 'gave-up', error: result, retries: a.retries });
        else again.push(a);
      }
    }
    if (again.length === 0) break;
    const delay = backoffDelay(policy, Math.max(...again.map((a) => a.retries)), deps.random);
    for (const a of again) hooks.retrying(a.update.id, a.retries, delay, results[writes.findIndex((w) => w.a === a)] as D365Error);
    if (!(await deps.sleep(delay, deps.signal))) {
      for (const a of again) outcomes.set(a.update.id, { kind: 'stopped', retries: a.retries });
      break;
    }
    active = again;
  }
  return { outcomes };
}

function settleError(e: unknown, retries: number): SendOutcome {
  if (!isD365Error(e)) throw e;
  switch (disposition(e.code)) {
    case 'refused':
      return { kind: 'failed', error: e, retries };
    case 'race':
      // A conflict answer to a GET is not something retrying fixes within this pass.
      return { kind: 'gave-up', error: e, retries };
    case 'not-sent':
      // It goes again in the next pass, read afresh, without a pause or a retry counted.
      return { kind: 'stopped', retries };
    case 'pause':
      return { kind: 'interrupted', error: e, retries };
  }
}
