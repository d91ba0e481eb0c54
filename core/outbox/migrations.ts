import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

/**
 * Numbered migrations, applied in order, each in its own transaction, recorded in
 * PRAGMA user_version. Append only: never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'outbox',
    up(db) {
      db.exec(`
        CREATE TABLE updates (
          id                 INTEGER PRIMARY KEY,
          profile            TEXT    NOT NULL,
          company            TEXT    NOT NULL,
          order_no           TEXT    NOT NULL,
          fields             TEXT    NOT NULL,
          base               TEXT,
          source             TEXT    NOT NULL CHECK (source IN ('form','csv','cli','api')),
          queued_by          TEXT    NOT NULL,
          state              TEXT    NOT NULL CHECK (state IN ('pending','sending','done','conflict','failed','held')),
          recheck            INTEGER NOT NULL DEFAULT 0,
          attempts           INTEGER NOT NULL DEFAULT 0,
          next_attempt_at    INTEGER NOT NULL,
          last_error_code    TEXT,
          last_error_message TEXT,
          created_at         INTEGER NOT NULL,
          updated_at         INTEGER NOT NULL
        ) STRICT;
        -- next due update (drainer)
        CREATE INDEX updates_due ON updates (state, next_attempt_at, id);
        -- one order's updates in queue order (coalescing, ordering)
        CREATE INDEX updates_order ON updates (profile, company, order_no, id);
        -- page by state and time (UI, CLI list)
        CREATE INDEX updates_state_time ON updates (state, updated_at, id);
        CREATE INDEX updates_time ON updates (updated_at, id);
        -- search by order number prefix (scanner, search box)
        CREATE INDEX updates_order_no ON updates (order_no, id);

        CREATE TABLE update_events (
          id        INTEGER PRIMARY KEY,
          update_id INTEGER NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
          at        INTEGER NOT NULL,
          kind      TEXT    NOT NULL,
          detail    TEXT
        ) STRICT;
        CREATE INDEX update_events_update ON update_events (update_id, id);

        CREATE TABLE conflicts (
          id          INTEGER PRIMARY KEY,
          update_id   INTEGER NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
          profile     TEXT    NOT NULL,
          company     TEXT    NOT NULL,
          order_no    TEXT    NOT NULL,
          field       TEXT    NOT NULL,
          base        TEXT,
          ours        TEXT,
          theirs      TEXT,
          etag        TEXT,
          detected_at INTEGER NOT NULL,
          resolution  TEXT CHECK (resolution IN ('keep-mine','take-theirs','edited','policy-ours','policy-theirs','cancelled')),
          resolved_at INTEGER,
          resolved_by TEXT
        ) STRICT;
        CREATE INDEX conflicts_detected ON conflicts (detected_at, id);
        CREATE INDEX conflicts_update ON conflicts (update_id);

        -- cumulative counters by local hour of day
        CREATE TABLE metrics_hourly (
          hour               INTEGER PRIMARY KEY CHECK (hour BETWEEN 0 AND 23),
          requests           INTEGER NOT NULL DEFAULT 0,
          concurrency_errors INTEGER NOT NULL DEFAULT 0,
          retries            INTEGER NOT NULL DEFAULT 0,
          successes          INTEGER NOT NULL DEFAULT 0,
          conflicts          INTEGER NOT NULL DEFAULT 0,
          failures           INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        -- counts by state kept by triggers, so status is O(1) on a million-row outbox
        CREATE TABLE state_counts (
          state TEXT PRIMARY KEY,
          n     INTEGER NOT NULL
        ) STRICT;
        INSERT INTO state_counts (state, n)
          VALUES ('pending',0),('sending',0),('done',0),('conflict',0),('failed',0),('held',0);
        CREATE TRIGGER updates_count_insert AFTER INSERT ON updates BEGIN
          UPDATE state_counts SET n = n + 1 WHERE state = NEW.state;
        END;
        CREATE TRIGGER updates_count_delete AFTER DELETE ON updates BEGIN
          UPDATE state_counts SET n = n - 1 WHERE state = OLD.state;
        END;
        CREATE TRIGGER updates_count_update AFTER UPDATE OF state ON updates
          WHEN OLD.state <> NEW.state BEGIN
          UPDATE state_counts SET n = n - 1 WHERE state = OLD.state;
          UPDATE state_counts SET n = n + 1 WHERE state = NEW.state;
        END;

        -- connection settings and preferences; never secrets
        CREATE TABLE settings (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'in-flight, own writes, lost races, metrics by hour, notices',
    up(db) {
      db.exec(`
        -- the drainer has read this update: a later change queues behind it instead of merging,
        -- so what is recorded as sent is exactly what was sent
        ALTER TABLE updates ADD COLUMN taken INTEGER NOT NULL DEFAULT 0;
        -- passes that ended still losing the ETag race; past a limit a person is asked
        ALTER TABLE updates ADD COLUMN lost_races INTEGER NOT NULL DEFAULT 0;

        -- values this outbox PATCHed to an order (outcome known or not): D365 holding one of
        -- them is our own earlier write, not someone else's change
        CREATE TABLE own_writes (
          profile  TEXT    NOT NULL,
          company  TEXT    NOT NULL,
          order_no TEXT    NOT NULL,
          field    TEXT    NOT NULL,
          value    TEXT    NOT NULL,
          at       INTEGER NOT NULL,
          PRIMARY KEY (profile, company, order_no, field, value)
        ) STRICT, WITHOUT ROWID;

        -- counters by UTC hour (epoch ms of the hour's start): filterable by date, shown in the
        -- viewer's time zone
        CREATE TABLE metrics_by_hour (
          hour_start         INTEGER PRIMARY KEY,
          requests           INTEGER NOT NULL DEFAULT 0,
          concurrency_errors INTEGER NOT NULL DEFAULT 0,
          retries            INTEGER NOT NULL DEFAULT 0,
          successes          INTEGER NOT NULL DEFAULT 0,
          conflicts          INTEGER NOT NULL DEFAULT 0,
          failures           INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        DROP TABLE metrics_hourly;

        -- what a person must be told until they acknowledge it (a damaged outbox moved aside…)
        CREATE TABLE notices (
          id              INTEGER PRIMARY KEY,
          at              INTEGER NOT NULL,
          message         TEXT    NOT NULL,
          acknowledged_at INTEGER
        ) STRICT;
      `);
    },
  },
  {
    version: 3,
    name: 'search: order numbers and values, any case, anywhere',
    up(db) {
      // The text a search looks in: the order number and each value, one per line, so a
      // term never matches across two of them. Kept by triggers, so every writer (the
      // outbox, an import, a tool with plain SQL) leaves it right.
      const text = (row: 'NEW' | 'u') => `${row}.order_no || char(10) || coalesce(
          (SELECT group_concat(value, char(10)) FROM json_each(${row}.fields) WHERE type IN ('text', 'integer', 'real')), '')`;
      db.exec(`
        CREATE TABLE search_text (
          id   INTEGER PRIMARY KEY,
          text TEXT NOT NULL
        ) STRICT;
        -- trigrams of that text (case folded): "any 3+ characters anywhere" without a scan
        CREATE VIRTUAL TABLE search_index USING fts5(
          text, content = 'search_text', content_rowid = 'id',
          tokenize = 'trigram case_sensitive 0', columnsize = 0);

        CREATE TRIGGER updates_search_insert AFTER INSERT ON updates BEGIN
          INSERT INTO search_text (id, text) VALUES (NEW.id, ${text('NEW')});
          INSERT INTO search_index (rowid, text) SELECT id, text FROM search_text WHERE id = NEW.id;
        END;
        -- only when what is searched changes: state changes (the drainer's writes) cost nothing
        CREATE TRIGGER updates_search_update AFTER UPDATE OF order_no, fields ON updates BEGIN
          INSERT INTO search_index (search_index, rowid, text) SELECT 'delete', id, text FROM search_text WHERE id = OLD.id;
          UPDATE search_text SET text = ${text('NEW')} WHERE id = NEW.id;
          INSERT INTO search_index (rowid, text) SELECT id, text FROM search_text WHERE id = NEW.id;
        END;
        CREATE TRIGGER updates_search_delete AFTER DELETE ON updates BEGIN
          INSERT INTO search_index (search_index, rowid, text) SELECT 'delete', id, text FROM search_text WHERE id = OLD.id;
          DELETE FROM search_text WHERE id = OLD.id;
        END;

        -- the order-number prefix search it served is replaced; one index less per insert
        DROP INDEX updates_order_no;

        INSERT INTO search_text (id, text) SELECT u.id, ${text('u')} FROM updates AS u;
        INSERT INTO search_index (search_index) VALUES ('rebuild');
      `);
    },
  },
  {
    version: 4,
    name: 'metadata cache',
    up(db) {
      db.exec(`
        -- the entity model read from a connection's $metadata (parsed, as JSON; never the XML),
        -- so values queued offline are checked too; refreshed on connect and daily
        CREATE TABLE metadata_cache (
          service_root TEXT    NOT NULL,
          entity_set   TEXT    NOT NULL,
          model        TEXT    NOT NULL,
          fetched_at   INTEGER NOT NULL,
          PRIMARY KEY (service_root, entity_set)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
];

export function checkRegistry(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration registry out of order: entry ${i} has version ${m.version}, expected ${i + 1}`);
    }
  });
}

export const SCHEMA_VERSION = MIGRATIONS.length;
