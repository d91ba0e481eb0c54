import type { D365Client, OrderSnapshot } from '../d365/client.ts';
import { D365Error, isD365Error } from '../d365/errors.ts';
import { sameValue } from '../d365/odata.ts';
import type { FieldPolicy } from '../d365/profile.ts';
import type { FieldConflict } from '../outbox/outbox.ts';
import type { Fields, Update } from '../outbox/types.ts';

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
   * Called once, right before the first PATCH, with the first-seen values of fields that
   * had no base. Returns false when the update may no longer be sent (a person held it).
   */
  claim(baseAdditions: Fields): boolean;
  request(method: 'GET' | 'PATCH'): void;
  concurrencyError(): void;
  retrying(attempt: number, delayMs: number, error: D365Error): void;
}

export interface SendDeps {
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
  random(): number;
  signal?: AbortSignal;
  fieldPolicy: Record<string, FieldPolicy>;
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
 * conflict; changes to fields we don't touch are never looked at.
 */
export function checkFields(ours: Fields, base: Fields, current: Fields, policy: Record<string, FieldPolicy>): FieldCheck {
  const send: Fields = {};
  const conflicts: FieldConflict[] = [];
  const autoResolved: AutoResolved[] = [];
  let applied = true;
  for (const [field, value] of Object.entries(ours)) {
    const theirs = current[field] ?? null;
    if (sameValue(theirs, value)) continue;
    applied = false;
    const seen = field in base ? base[field]! : theirs;
    if (sameValue(theirs, seen)) {
      send[field] = value;
      continue;
    }
    const c = { field, base: seen, ours: value, theirs };
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

/**
 * One pass over one update: GET → already applied? → three-way check → PATCH with If-Match,
 * re-reading and retrying with backoff while someone else keeps changing the record.
 */
export async function sendUpdate(update: Update, client: D365Client, policy: RetryPolicy, hooks: SendHooks, deps: SendDeps): Promise<SendOutcome> {
  const ours = update.fields;
  const fieldNames = Object.keys(ours);
  // Without a base, the value seen at the first GET is the base.
  let base: Fields = { ...(update.base ?? {}) };
  let claimed = false;
  let retries = 0;
  const what = `PATCH order ${update.orderNumber} (${update.company})`;
  for (;;) {
    let snapshot: OrderSnapshot;
    try {
      hooks.request('GET');
      snapshot = await client.getOrder(update, fieldNames);
    } catch (e) {
      return settleError(e, retries);
    }
    const firstSeen: Fields = {};
    for (const f of fieldNames) if (!(f in base)) firstSeen[f] = snapshot.values[f] ?? null;
    base = { ...firstSeen, ...base };
    const check = checkFields(ours, base, snapshot.values, deps.fieldPolicy);
    if (check.applied) {
      return { kind: 'done', alreadyApplied: true, etagBefore: snapshot.etag, etagAfter: snapshot.etag, sent: {}, retries, autoResolved: [] };
    }
    if (check.conflicts.length > 0) {
      return { kind: 'conflict', conflicts: check.conflicts, etag: snapshot.etag, retries, autoResolved: check.autoResolved };
    }
    if (Object.keys(check.send).length === 0) {
      // Only 'theirs' policies remained: nothing of ours to write.
      return { kind: 'done', alreadyApplied: false, etagBefore: snapshot.etag, etagAfter: snapshot.etag, sent: {}, retries, autoResolved: check.autoResolved };
    }
    if (!claimed) {
      if (!hooks.claim(firstSeen)) return { kind: 'stopped', retries };
      claimed = true;
    }
    try {
      hooks.request('PATCH');
      const { etag } = await client.patchOrder(snapshot, check.send, what);
      return { kind: 'done', alreadyApplied: false, etagBefore: snapshot.etag, etagAfter: etag, sent: check.send, retries, autoResolved: check.autoResolved };
    } catch (e) {
      if (!isD365Error(e) || e.code !== 'CONCURRENCY') return settleError(e, retries);
      hooks.concurrencyError();
      retries++;
      if (retries > policy.retryLimit) return { kind: 'gave-up', error: e, retries };
      const delay = backoffDelay(policy, retries, deps.random);
      hooks.retrying(retries, delay, e);
      if (!(await deps.sleep(delay, deps.signal))) return { kind: 'stopped', retries };
    }
  }
}

function settleError(e: unknown, retries: number): SendOutcome {
  if (!isD365Error(e)) throw e;
  switch (e.code) {
    case 'VALIDATION':
    case 'NOT_FOUND':
      return { kind: 'failed', error: e, retries };
    case 'CONCURRENCY':
      // A conflict answer to a GET is not something retrying fixes within this pass.
      return { kind: 'gave-up', error: e, retries };
    case 'THROTTLED':
    case 'UNAUTHORIZED':
    case 'AUTH_FAILED':
    case 'OFFLINE':
    case 'BAD_RESPONSE':
    case 'SERVER':
      return { kind: 'interrupted', error: e, retries };
  }
}
