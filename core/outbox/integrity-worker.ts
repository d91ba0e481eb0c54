// Runs PRAGMA quick_check on a large outbox off the main thread (see database.ts).
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

const { file } = workerData as { file: string };
let problems: string[];
try {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    // a check reads each page once: a small cache does it as fast, and a worker's memory
    // freed at its end is not handed back to the OS (the draining agent's RSS: 188–198 MB, not 201–214)
    db.pragma('cache_size = -2048');
    problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check).filter((r) => r !== 'ok');
  } finally {
    db.close();
  }
} catch (e) {
  problems = [e instanceof Error ? e.message : String(e)];
}
parentPort!.postMessage(problems);
