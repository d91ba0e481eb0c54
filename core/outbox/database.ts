import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { OutboxError } from '../errors.ts';
import { MIGRATIONS, checkRegistry, type Migration } from './migrations.ts';

export type { Database };

export interface OpenedDatabase {
  db: Database;
  /** things the person must be told, e.g. a corrupt file moved aside */
  notices: string[];
  /**
   * Problems the integrity check found. A large file is checked in a worker thread after
   * open, so a million-row outbox opens in well under a second; a small one before open.
   */
  integrity: Promise<string[]>;
}

/** Files up to this size are checked before open; larger ones right after, off the main thread. */
export const SYNC_CHECK_BYTES = 64 * 1024 * 1024;

export interface OpenOptions {
  migrations?: readonly Migration[];
  /** milliseconds to wait for another process's lock */
  busyTimeoutMs?: number;
  /** see SYNC_CHECK_BYTES */
  syncCheckBytes?: number;
  now?: () => number;
}

/**
 * Opens (or creates) the outbox database with the durability the outbox needs, checks its
 * integrity, and brings its schema up to date. A corrupt file is moved aside, never deleted.
 */
export function openDatabase(file: string, options: OpenOptions = {}): OpenedDatabase {
  const migrations = options.migrations ?? MIGRATIONS;
  checkRegistry(migrations);
  const notices: string[] = [];
  if (file !== ':memory:') {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch (e) {
      throw translate(e, file);
    }
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const deferCheck = file !== ':memory:' && fileSize(file) > (options.syncCheckBytes ?? SYNC_CHECK_BYTES);
  let db: Database;
  try {
    db = connect(file, busyTimeoutMs, migrations.length, !deferCheck);
  } catch (e) {
    if (!isCorruption(e)) throw translate(e, file);
    const aside = moveAside(file, (options.now ?? Date.now)());
    notices.push(
      `The outbox database ${file} was damaged and has been moved aside to ${aside} (nothing was deleted). ` +
        'A new empty outbox was created; send the damaged file to support to recover its updates.',
    );
    try {
      db = connect(file, busyTimeoutMs, migrations.length, true);
    } catch (e2) {
      throw translate(e2, file);
    }
  }
  try {
    migrate(db, migrations);
  } catch (e) {
    db.close();
    throw e instanceof OutboxError ? e : translate(e, file);
  }
  return { db, notices, integrity: deferCheck ? checkIntegrityInWorker(file) : Promise.resolve([]) };
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

const INTEGRITY_WORKER = new URL(import.meta.url.endsWith('.ts') ? './integrity-worker.ts' : './integrity-worker.js', import.meta.url);

/**
 * PRAGMA quick_check of a large file in a worker thread, on a read-only connection of its own
 * (WAL lets it read while the agent works). Always settles: with the problems found, or with
 * why there is no answer (the worker failed, or ended without one).
 */
export function checkIntegrityInWorker(file: string, script: URL = INTEGRITY_WORKER): Promise<string[]> {
  return new IntegrityCheck(file, script);
}

/**
 * The worker alone never keeps a process alive: a CLI command on a big outbox exits at once.
 * Whoever asks for the answer (then, await) does, until it arrives; that is what an awaiting
 * script needs, or Node ends it with "Detected unsettled top-level await".
 */
class IntegrityCheck extends Promise<string[]> {
  // then() and friends hand back plain promises; only the check itself holds the worker.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  readonly #worker: Worker;

  constructor(file: string, script: URL) {
    let worker!: Worker;
    super((resolve) => {
      worker = new Worker(script, { workerData: { file } });
      // The first of these settles the check; a later one changes nothing.
      worker.once('message', (problems: string[]) => resolve(problems));
      worker.once('error', (e) => resolve([`the integrity check could not run: ${e.message}`]));
      worker.once('exit', (code) => resolve([`the integrity check stopped before it finished (worker exit code ${code})`]));
    });
    this.#worker = worker;
    worker.unref();
  }

  override then<A = string[], B = never>(
    onFulfilled?: ((problems: string[]) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#worker.ref();
    return super.then(onFulfilled, onRejected);
  }
}

function connect(file: string, busyTimeoutMs: number, latest: number, check: boolean): Database {
  const db = new BetterSqlite3(file, { fileMustExist: false });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // Only reads until the version and integrity are known: switching to WAL rewrites the
    // file header, and a newer version's database must be left byte for byte as it was.
    refuseNewer(db, file, latest);
    if (check) checkIntegrity(db, file);
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL may lose the last commits on power loss; an outbox must not.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // A large outbox (a site offline for a day) should not thrash a 2 MB page cache.
    db.pragma('cache_size = -65536');
    return db;
  } catch (e) {
    if (db.open) db.close();
    throw e;
  }
}

function refuseNewer(db: Database, file: string, latest: number): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new OutboxError(
      'DB_NEWER_VERSION',
      `${file} was written by a newer Outbox Agent (schema ${current}; this one knows up to ${latest}). ` +
        'It was left untouched: update Outbox Agent, or point --data-dir elsewhere.',
    );
  }
}

function checkIntegrity(db: Database, file: string): void {
  // quick_check verifies every page and row format without cross-checking index contents,
  // which keeps start-up fast on a million-row outbox.
  const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (problems.length > 0) {
    const err = new OutboxError('DB_CORRUPT', `${file} failed its integrity check: ${problems.join('; ')}`);
    (err as { sqliteCode?: string }).sqliteCode = 'SQLITE_CORRUPT';
    throw err;
  }
}

function migrate(db: Database, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

function sqliteCode(e: unknown): string {
  const code = (e as { code?: unknown; sqliteCode?: unknown } | null)?.sqliteCode ?? (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isCorruption(e: unknown): boolean {
  const code = sqliteCode(e);
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT_');
}

function moveAside(file: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  const aside = `${file}.corrupt-${stamp}`;
  fs.renameSync(file, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
  }
  return aside;
}

/** Turns SQLite and file-system failures into messages a person can act on. */
export function translate(e: unknown, file: string): OutboxError {
  if (e instanceof OutboxError) return e;
  const code = sqliteCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new OutboxError('DB_LOCKED', `${file} is locked by another process (${detail}). Close the other Outbox Agent or wait, then try again.`, { cause: e });
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_') || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    return new OutboxError('DB_READONLY', `${file} cannot be written (${detail}). Check the folder's permissions or choose another --data-dir.`, { cause: e });
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new OutboxError('DB_FULL', `The disk holding ${file} is full (${detail}). Free some space; queued updates are kept.`, { cause: e });
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_CANTOPEN_')) {
    return new OutboxError('DB_OPEN_FAILED', `${file} cannot be opened (${detail}). Check that the folder exists and is writable.`, { cause: e });
  }
  return new OutboxError('INTERNAL', `Outbox database error on ${file}: ${detail}`, { cause: e });
}
