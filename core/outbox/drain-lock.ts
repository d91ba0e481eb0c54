import fs from 'node:fs';
import os from 'node:os';
import { OutboxError } from '../errors.ts';

interface Holder {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One drainer per outbox: two would each take the other's in-flight updates for crashed
 * ones. A lock file beside the database names the holder; one left by a dead process is
 * taken over. Returns the release function.
 */
export function acquireDrainLock(databaseFile: string): () => void {
  if (databaseFile === ':memory:') return () => {};
  const lock = `${databaseFile}.drain-lock`;
  const me: Holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  const text = JSON.stringify(me);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, text, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lock, 'utf8') === text) fs.unlinkSync(lock);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new OutboxError('DB_OPEN_FAILED', `Cannot create ${lock}: ${(e as Error).message}`, { cause: e });
    }
    let holder: Holder | null = null;
    try {
      holder = JSON.parse(fs.readFileSync(lock, 'utf8')) as Holder;
    } catch {
      holder = null;
    }
    if (holder && holder.host === me.host && holder.pid !== me.pid && alive(holder.pid)) {
      throw new OutboxError(
        'DB_LOCKED',
        `Another Outbox Agent (pid ${holder.pid}, since ${holder.since}) is already sending this outbox. Stop it first, or queue updates and let it send them.`,
      );
    }
    if (holder && holder.host !== me.host) {
      throw new OutboxError('DB_LOCKED', `Outbox Agent on ${holder.host} (pid ${holder.pid}) holds this outbox; if that machine is gone, delete ${lock}.`);
    }
    // Left by a process that died (or by ourselves): take it over.
    fs.rmSync(lock, { force: true });
  }
  throw new OutboxError('DB_LOCKED', `Another process took ${lock} at the same moment; try again.`);
}
