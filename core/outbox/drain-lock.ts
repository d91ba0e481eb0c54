import fs from 'node:fs';
import os from 'node:os';
import BetterSqlite3 from 'better-sqlite3';
import { OutboxError } from '../errors.ts';

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/**
 * One drainer per outbox: two would each take the other's in-flight updates for crashed ones.
 * The lock is an exclusive SQLite lock on a file beside the database — an OS file lock, which
 * the OS drops when its process dies, so neither a crash nor a reused PID can leave it stale.
 * A note beside it names the holder, for the message only. Returns the release function.
 */
export function acquireDrainLock(databaseFile: string): () => void {
  if (databaseFile === ':memory:') return () => {};
  const lockFile = `${databaseFile}.drainer`;
  const noteFile = `${lockFile}.json`;
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(lockFile);
  } catch (e) {
    throw new OutboxError('DB_OPEN_FAILED', `Cannot create ${lockFile}: ${(e as Error).message}`, { cause: e });
  }
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; in EXCLUSIVE locking mode it is kept until close.
    db.exec('CREATE TABLE IF NOT EXISTS drainer (pid INTEGER)');
    db.exec('BEGIN EXCLUSIVE; DELETE FROM drainer; INSERT INTO drainer VALUES (0); COMMIT');
  } catch (e) {
    db.close();
    const code = (e as { code?: string }).code ?? '';
    if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) {
      throw new OutboxError('DB_OPEN_FAILED', `Cannot lock ${lockFile}: ${(e as Error).message}`, { cause: e });
    }
    const holder = readHolder(noteFile);
    throw new OutboxError(
      'DB_LOCKED',
      holder
        ? `Another Outbox Agent (pid ${holder.pid} on ${holder.host}, since ${holder.since}) is already sending this outbox. Stop it first, or queue updates and let it send them.`
        : 'Another Outbox Agent is already sending this outbox. Stop it first, or queue updates and let it send them.',
      { cause: e },
    );
  }
  const me: Holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  try {
    fs.writeFileSync(noteFile, JSON.stringify(me));
  } catch {
    // the note is only for messages; the lock itself is held
  }
  // A lock file of the earlier format (pid in a text file) means nothing any more.
  fs.rmSync(`${databaseFile}.drain-lock`, { force: true });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    fs.rmSync(noteFile, { force: true });
    db.close();
  };
}

function readHolder(file: string): Holder | null {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' ? (h as Holder) : null;
  } catch {
    return null;
  }
}
