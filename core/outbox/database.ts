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
  // A newer version's database is refused before SQLite opens it: opening and closing would
  // checkpoint its WAL and delete -wal and -shm. All three are left byte for byte as they were.
  if (file !== ':memory:') refuseNewerOnDisk(file, migrations.length);
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
    // After a big import the WAL is truncated back to this at checkpoints instead of staying at its high-water mark.
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    // A large outbox (a site offline for a day) should not thrash a 2 MB page cache.
    db.pragma('cache_size = -16384');
    return db;
  } catch (e) {
    if (db.open) db.close();
    throw e;
  }
}

/** The WAL is cut back to this size at a checkpoint (it otherwise keeps its largest size). */
export const JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024;

function refuseNewer(db: Database, file: string, latest: number): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) throw newerVersion(file, current, latest);
}

function newerVersion(file: string, current: number, latest: number): OutboxError {
  return new OutboxError(
    'DB_NEWER_VERSION',
    `${file} was written by a newer Outbox Agent (schema ${current}; this one knows up to ${latest}). ` +
      'It was left untouched: update Outbox Agent, or point --data-dir elsewhere.',
  );
}

function refuseNewerOnDisk(file: string, latest: number): void {
  const version = Math.max(headerVersion(file), walVersion(`${file}-wal`));
  if (version > latest) throw newerVersion(file, version, latest);
}

function readAt(fd: number, length: number, position: number): Buffer | null {
  const b = Buffer.alloc(length);
  return fs.readSync(fd, b, 0, length, position) === length ? b : null;
}

function withFile<T>(file: string, fallback: T, fn: (fd: number) => T): T {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return fallback;
  }
  try {
    return fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** PRAGMA user_version as the file's header holds it (offset 60 of page 1). */
function headerVersion(file: string): number {
  return withFile(file, 0, (fd) => {
    const head = readAt(fd, 100, 0);
    if (!head || head.toString('latin1', 0, 16) !== 'SQLite format 3\0') return 0;
    return head.readUInt32BE(60);
  });
}

/** The user_version of the newest committed copy of page 1 in a WAL file, or 0. */
function walVersion(wal: string): number {
  return withFile(wal, 0, (fd) => {
    const head = readAt(fd, 32, 0);
    if (!head || (head.readUInt32BE(0) & 0xfffffffe) !== 0x377f0682) return 0;
    const pageSize = head.readUInt32BE(8);
    const salt1 = head.readUInt32BE(16);
    const salt2 = head.readUInt32BE(20);
    if (pageSize < 512 || pageSize > 65536) return 0;
    let version = 0;
    let pending = 0;
    for (let at = 32; ; at += 24 + pageSize) {
      const frame = readAt(fd, 24, at);
      if (!frame || frame.readUInt32BE(8) !== salt1 || frame.readUInt32BE(12) !== salt2) break;
      if (frame.readUInt32BE(0) === 1) pending = readAt(fd, 4, at + 24 + 60)?.readUInt32BE(0) ?? pending;
      // Only frames up to a commit count: a transaction cut short never happened.
      if (frame.readUInt32BE(4) !== 0 && pending) version = pending;
    }
    return version;
  });
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
