// Runs PRAGMA quick_check on a large outbox off the main thread (see database.ts).
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

const { file } = workerData as { file: string };
let problems: string[];
try {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check).filter((r) => r !== 'ok');
  } finally {
    db.close();
  }
} catch (e) {
  problems = [e instanceof Error ? e.message : String(e)];
}
parentPort!.postMessage(problems);
