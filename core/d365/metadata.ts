import { badInput } from '../errors.ts';
import type { D365Client } from './client.ts';

export type FieldCheck =
  | { checked: true }
  /** metadata could not be read (offline, throttled…): the update is queued unchecked */
  | { checked: false; note: string };

export interface FieldCatalogOptions {
  /** a person is waiting on enqueue: don't hold them longer than this for $metadata */
  waitMs?: number;
  /** after a failed read, don't ask again for this long (an outage would slow every enqueue) */
  retryAfterMs?: number;
  now?: () => number;
}

/**
 * The entity's field names from `$metadata`, read once per connection and kept in memory, so a
 * misspelt field is refused when it is queued rather than failing at D365 hours later.
 */
export class FieldCatalog {
  private readonly client: D365Client;
  private readonly waitMs: number;
  private readonly retryAfterMs: number;
  private readonly now: () => number;
  private fields: Set<string> | null = null;
  private inflight: Promise<Set<string>> | null = null;
  private failedAt = -Infinity;
  private failure = '';

  constructor(client: D365Client, options: FieldCatalogOptions = {}) {
    this.client = client;
    this.waitMs = options.waitMs ?? 3000;
    this.retryAfterMs = options.retryAfterMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Throws BAD_INPUT naming every unknown field with close valid names; says so when unchecked. */
  async check(names: Iterable<string>): Promise<FieldCheck> {
    const known = await this.load();
    if (known instanceof Error) return { checked: false, note: `Field names were not checked against D365 (${known.message}).` };
    const unknown = [...new Set(names)].filter((n) => !known.has(n));
    if (unknown.length > 0) {
      const entity = this.client.profile.entitySet;
      throw badInput(
        unknown
          .map((n) => {
            const close = closeNames(n, known);
            return `${entity} has no field ${JSON.stringify(n)}${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`;
          })
          .join('; '),
      );
    }
    return { checked: true };
  }

  private async load(): Promise<Set<string> | Error> {
    if (this.fields) return this.fields;
    if (this.now() - this.failedAt < this.retryAfterMs) return new Error(this.failure);
    this.inflight ??= this.client.entityFields().then(
      (list) => (this.fields = new Set(list)),
      (e: unknown) => {
        this.failedAt = this.now();
        this.failure = `$metadata could not be read: ${e instanceof Error ? e.message : String(e)}`;
        throw e;
      },
    ).finally(() => {
      this.inflight = null;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<Error>((resolve) => {
      timer = setTimeout(() => resolve(new Error(`$metadata did not answer within ${this.waitMs} ms`)), this.waitMs);
    });
    try {
      return await Promise.race([this.inflight, timeout]);
    } catch {
      return new Error(this.failure);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Up to three valid names nearest to a typo: same letters in another case first, then edit distance. */
export function closeNames(name: string, known: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const scored: { n: string; d: number }[] = [];
  for (const k of known) {
    const kl = k.toLowerCase();
    const d = kl === lower ? 0 : kl.includes(lower) || lower.includes(kl) ? 1 : 1 + distance(lower, kl);
    if (d <= Math.max(2, Math.floor(name.length / 3)) + 1) scored.push({ n: k, d });
  }
  return scored.sort((a, b) => a.d - b.d || a.n.localeCompare(b.n)).slice(0, max).map((s) => s.n);
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
