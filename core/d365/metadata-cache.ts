import type { Database } from 'better-sqlite3';
import { readEntityModel, type EntityModel } from './edm.ts';

/** Which connection a model belongs to: the service it was read from and the entity set in it. */
export interface MetadataKey {
  serviceRoot: string;
  entitySet: string;
}

export interface CachedModel {
  model: EntityModel;
  /** epoch ms when $metadata was read */
  fetchedAt: number;
}

/**
 * The parsed entity model kept in the outbox database (table metadata_cache, migration 4) for
 * the connection it was read from. A row that no longer reads as a model of this version is as
 * good as none.
 */
export class MetadataCache {
  private readonly db: Database;
  /** the last model read per key: a check on every enqueue need not parse it again */
  private readonly memo = new Map<string, CachedModel>();

  constructor(db: Database) {
    this.db = db;
  }

  get(key: MetadataKey): CachedModel | null {
    const id = JSON.stringify([key.serviceRoot, key.entitySet]);
    const stamp = this.db.prepare('SELECT fetched_at FROM metadata_cache WHERE service_root = ? AND entity_set = ?').pluck().get(key.serviceRoot, key.entitySet) as
      | number
      | undefined;
    if (stamp === undefined) return null;
    const known = this.memo.get(id);
    if (known && known.fetchedAt === stamp) return known;
    const json = this.db.prepare('SELECT model FROM metadata_cache WHERE service_root = ? AND entity_set = ?').pluck().get(key.serviceRoot, key.entitySet) as string;
    const model = readEntityModel(json);
    if (!model || model.entitySet !== key.entitySet) return null;
    const cached = { model, fetchedAt: stamp };
    this.memo.set(id, cached);
    return cached;
  }

  /** Keeps the model of this connection, and only it: an outbox has one connection at a time (the demo's simulator a new port each run). */
  put(key: MetadataKey, cached: CachedModel): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM metadata_cache WHERE service_root <> ? OR entity_set <> ?').run(key.serviceRoot, key.entitySet);
      this.db
        .prepare(
          `INSERT INTO metadata_cache (service_root, entity_set, model, fetched_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (service_root, entity_set) DO UPDATE SET model = excluded.model, fetched_at = excluded.fetched_at`,
        )
        .run(key.serviceRoot, key.entitySet, JSON.stringify(cached.model), cached.fetchedAt);
    })();
    this.memo.set(JSON.stringify([key.serviceRoot, key.entitySet]), cached);
  }
}
