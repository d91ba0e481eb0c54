import type { EdmProperty, EntityModel } from './edm.ts';
import type { CachedModel, MetadataCache, MetadataKey } from './metadata-cache.ts';

/** What values are checked against now: the entity's model, or why there is none yet. */
export type CatalogState = ({ checked: true } & CachedModel) | { checked: false; note: string };

/** A field as the UI offers it (see AgentApi `fieldCatalog`). */
export interface CatalogField {
  name: string;
  /** Edm primitive type (`Edm.Date`, `Edm.Decimal`…), or the enum's qualified name when `members` is set */
  type: string;
  maxLength?: number;
  precision?: number;
  scale?: number;
  nullable: boolean;
  /** the values the field accepts (enum members, allowed values): offer them as choices */
  members?: string[];
  /** an enum with IsFlags: several members, comma-separated */
  flags?: boolean;
}

export interface FieldCatalogView {
  /** epoch ms when the $metadata these fields come from was read */
  checkedAt: number;
  entitySet: string;
  /** the fields an update may change: keys and fields D365 computes are left out */
  fields: CatalogField[];
}

export const DAY_MS = 24 * 60 * 60 * 1000;

const LATER = 'the update was queued as typed and D365 checks it when it is sent';

/** The enqueue note when values cannot be checked (no connection set up at all). */
export const NOT_CONNECTED_NOTE = `Not checked yet: no D365 connection is set up, so field names and values were not checked against its $metadata; ${LATER}.`;

export interface FieldCatalogOptions {
  key: MetadataKey;
  cache: MetadataCache;
  /** reads the model from $metadata; null where there is no link to D365 (CLI queue commands, no secret): the cache only */
  fetch: ((signal: AbortSignal) => Promise<EntityModel>) | null;
  /** a person is waiting on enqueue: don't hold them longer than this for $metadata */
  waitMs?: number;
  /** after a failed read, don't ask again for this long (an outage would slow every enqueue) */
  retryAfterMs?: number;
  /** a cached model older than this is read again (it is still used while that fails) */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * The entity's fields as `$metadata` declares them, for one connection: read on connect and
 * when the cached copy is a day old, kept in the outbox database so that updates queued
 * offline, after a restart or from the CLI are checked too.
 */
export class FieldCatalog {
  readonly key: MetadataKey;
  private readonly cache: MetadataCache;
  private readonly fetch: FieldCatalogOptions['fetch'];
  private readonly waitMs: number;
  private readonly retryAfterMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly abort = new AbortController();
  private inflight: Promise<string | null> | null = null;
  private failedAt = -Infinity;
  private failure = '';

  constructor(options: FieldCatalogOptions) {
    this.key = options.key;
    this.cache = options.cache;
    this.fetch = options.fetch;
    this.waitMs = options.waitMs ?? 3000;
    this.retryAfterMs = options.retryAfterMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? DAY_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Reads $metadata now and keeps the model (on connect, Test connection). Resolves with null,
   * or with the error that kept it from being read; never rejects. One read at a time.
   */
  refresh(): Promise<string | null> {
    const fetch = this.fetch;
    if (!fetch) return Promise.resolve('not connected to D365');
    if (this.inflight) return this.inflight;
    const run = (async (): Promise<string | null> => {
      try {
        const model = await fetch(this.abort.signal);
        if (this.abort.signal.aborted) return 'the agent is closing';
        this.cache.put(this.key, { model, fetchedAt: this.now() });
        this.failedAt = -Infinity;
        return null;
      } catch (e) {
        this.failedAt = this.now();
        this.failure = e instanceof Error ? e.message : String(e);
        return this.failure;
      }
    })();
    this.inflight = run;
    void run.then(() => {
      if (this.inflight === run) this.inflight = null;
    });
    return run;
  }

  /** The model values are checked against: the cached one, read again first when missing or a day old. */
  async current(): Promise<CatalogState> {
    const cached = this.cache.get(this.key);
    const age = cached ? this.now() - cached.fetchedAt : Infinity;
    // a copy stamped in the future (the clock was set back) is read again too
    if (cached && age >= 0 && age < this.maxAgeMs) return { checked: true, ...cached };
    if (!this.fetch) {
      if (cached) return { checked: true, ...cached };
      return { checked: false, note: `Not checked yet: no copy of D365's $metadata is kept here for ${this.key.serviceRoot} (it is read when the agent connects); ${LATER}.` };
    }
    let why: string | null = this.failure;
    if (this.now() - this.failedAt >= this.retryAfterMs) why = await this.waitFor(this.refresh());
    // a stale copy is better than none while D365 cannot be asked
    const kept = this.cache.get(this.key);
    if (kept) return { checked: true, ...kept };
    return { checked: false, note: `Not checked yet: D365's $metadata could not be read (${why || 'no answer'}); ${LATER}.` };
  }

  /** The fields for the UI, or null while nothing has been read. */
  async view(): Promise<FieldCatalogView | null> {
    const state = await this.current();
    if (!state.checked) return null;
    return { checkedAt: state.fetchedAt, entitySet: state.model.entitySet, fields: state.model.properties.filter((p) => !p.key && !p.computed).map(catalogField) };
  }

  /** Stops a read in flight: the agent is closing or the connection changed. */
  close(): void {
    this.abort.abort();
  }

  private async waitFor(read: Promise<string | null>): Promise<string | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => {
        // the read goes on; until it ends (or retryAfterMs passes) nobody else waits for it
        this.failedAt = this.now();
        this.failure = `no answer within ${this.waitMs} ms`;
        resolve(this.failure);
      }, this.waitMs);
    });
    try {
      return await Promise.race([read, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function catalogField(p: EdmProperty): CatalogField {
  const f: CatalogField = { name: p.name, type: p.type, nullable: p.nullable };
  if (p.maxLength !== undefined) f.maxLength = p.maxLength;
  if (p.precision !== undefined) f.precision = p.precision;
  if (p.scale !== undefined) f.scale = p.scale;
  if (p.members && p.members.length > 0) f.members = [...p.members];
  if (p.flags) f.flags = true;
  return f;
}
