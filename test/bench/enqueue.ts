/**
 * Enqueue speed as ratios to bare better-sqlite3 on the same schema and pragmas, same run:
 * durable single enqueues (one transaction each, synchronous=FULL) and a CSV import. Where the
 * time goes comes from bare variants that add one of our steps at a time (a history row, the
 * coalescing look-up), each measured in this run; the rest is what only our code does.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { planImport } from '../../core/csv/import.ts';
import { openDatabase } from '../../core/outbox/database.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { checkUpdate, type UpdateInput } from '../../core/outbox/update-input.ts';
import { figure, ratioFigure, seconds, tempDir, type Baseline, type Figure } from './common.ts';

const INSERT = `INSERT INTO updates (profile, company, order_no, fields, base, source, queued_by, state, next_attempt_at, created_at, updated_at)
                VALUES ('fo', 'USMF', ?, ?, NULL, 'cli', 'bench', 'pending', ?, ?, ?)`;
const HISTORY = `INSERT INTO update_events (update_id, at, kind, detail) VALUES (?, ?, 'queued', ?)`;
const LOOKUP = `SELECT id, state, fields, base FROM updates WHERE profile = 'fo' AND company = 'USMF' AND order_no = +? ORDER BY id DESC LIMIT 1`;

/** One way of queueing one row inside a transaction that is already open. */
type Step = (orderNumber: string, fields: string) => void;

/** Bare SQL that does what enqueue does, up to `upTo` of its steps. */
function bareSteps(db: Database, upTo: 'row' | 'history' | 'lookup'): Step {
  const ins = db.prepare(INSERT);
  const hist = db.prepare(HISTORY);
  const look = db.prepare(LOOKUP);
  return (orderNumber, fields) => {
    const now = Date.now();
    if (upTo === 'lookup') look.get(orderNumber);
    const id = ins.run(orderNumber, fields, now, now, now).lastInsertRowid;
    if (upTo !== 'row') hist.run(id, now, `{"fields":${fields},"base":null,"source":"cli","by":"bench"}`);
  };
}

function perOpMs(ops: number, s: number): number {
  return (s * 1000) / ops;
}

interface Variant {
  name: string;
  run: (i: number) => void;
  seconds: number;
}

/** Runs the variants interleaved in rounds, so a drift of the disk's fsync time hits all alike. */
function interleaved(variants: Variant[], ops: number, rounds = 5): void {
  const per = Math.ceil(ops / rounds);
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const t = process.hrtime.bigint();
      for (let i = round * per; i < Math.min(ops, (round + 1) * per); i++) v.run(i);
      v.seconds += seconds(t);
    }
  }
}

function singles(dir: string, ops: number): Figure[] {
  const open = (name: string) => openDatabase(path.join(dir, `${name}.sqlite`)).db;
  const commitDb = open('commit');
  commitDb.exec('CREATE TABLE tick (n INTEGER NOT NULL); INSERT INTO tick VALUES (0);');
  const tick = commitDb.prepare('UPDATE tick SET n = n + 1');
  const fields = '{"DeliveryModeCode":"10"}';
  const dbs = { row: open('row'), history: open('history'), lookup: open('lookup') };
  const steps = { row: bareSteps(dbs.row, 'row'), history: bareSteps(dbs.history, 'history'), lookup: bareSteps(dbs.lookup, 'lookup') };
  const outbox = Outbox.open(path.join(dir, 'ours.sqlite'));
  const input = (i: number): UpdateInput => ({ company: 'USMF', orderNumber: `SO-${i}`, fields: { DeliveryModeCode: '10' }, source: 'cli', queuedBy: 'bench' });
  const v = {
    commit: { name: 'commit', run: () => commitDb.transaction(() => tick.run()).immediate(), seconds: 0 },
    row: { name: 'row', run: (i: number) => dbs.row.transaction(() => steps.row(`SO-${i}`, fields)).immediate(), seconds: 0 },
    history: { name: 'history', run: (i: number) => dbs.history.transaction(() => steps.history(`SO-${i}`, fields)).immediate(), seconds: 0 },
    lookup: { name: 'lookup', run: (i: number) => dbs.lookup.transaction(() => steps.lookup(`SO-${i}`, fields)).immediate(), seconds: 0 },
    validate: { name: 'validate', run: (i: number) => checkUpdate(input(i)), seconds: 0 },
    ours: { name: 'ours', run: (i: number) => outbox.enqueue(checkUpdate(input(i))), seconds: 0 },
  };
  try {
    interleaved(Object.values(v), ops);
  } finally {
    outbox.close();
    for (const db of [commitDb, ...Object.values(dbs)]) db.close();
  }
  const ms = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, perOpMs(ops, x.seconds)])) as Record<keyof typeof v, number>;
  const ours = ops / v.ours.seconds;
  const bare: Baseline = { name: 'bare INSERT, one transaction each, same schema and pragmas', value: ops / v.row.seconds, unit: 'enqueues/s', kind: 'measured' };
  const whole: Baseline = { name: 'one durable enqueue of ours, same run', value: ms.ours, unit: 'ms', kind: 'measured' };
  return [
    ratioFigure('enqueue.single.ratioToBare', `durable single enqueue (${ops.toLocaleString('en-US')}, one transaction each) to bare INSERT`, ours, bare, '≥ 0.9'),
    figure('enqueue.single.rate', 'durable single enqueue, one transaction each, synchronous=FULL', ours, 'enqueues/s', bare, '≥ 0.9 of bare'),
    figure('profile.enqueue.commit.ms', 'enqueue: one durable commit (a one-page write + fsync)', ms.commit, 'ms', whole),
    figure('profile.enqueue.row.ms', 'enqueue: the row INSERT with its indexes, count trigger and search-index trigger (FTS5 trigram)', ms.row - ms.commit, 'ms', whole),
    figure('profile.enqueue.history.ms', "enqueue: the history row ('queued' event)", ms.history - ms.row, 'ms', whole),
    figure('profile.enqueue.lookup.ms', 'enqueue: the coalescing look-up (last update of the order)', ms.lookup - ms.history, 'ms', whole),
    figure('profile.enqueue.validate.ms', 'enqueue: input check (checkUpdate)', ms.validate, 'ms', whole),
    figure('profile.enqueue.rest.ms', 'enqueue: the rest (JSON, statement calls, transaction wrapper)', ms.ours - ms.lookup - ms.validate, 'ms', whole),
  ];
}

function csvImport(dir: string, rows: number): Figure[] {
  const lines = ['order,company,DeliveryModeCode,RequestedShippingDate'];
  for (let i = 0; i < rows; i++) lines.push(`SO-${i},USMF,${i % 7},2027-01-${String((i % 28) + 1).padStart(2, '0')}T12:00:00Z`);
  const csv = lines.join('\n');
  const fieldsOf = (i: number) => `{"DeliveryModeCode":"${i % 7}","RequestedShippingDate":"2027-01-${String((i % 28) + 1).padStart(2, '0')}T12:00:00Z"}`;

  // Each file is deleted once its run is timed, so the disk's writeback of one run does not
  // fall into the next one's time.
  let file = 0;
  const fresh = (name: string) => path.join(dir, `${name}-${file++}.sqlite`);
  const drop = (f: string) => {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(f + suffix, { force: true });
  };
  // Bare bulk inserts of prepared rows in one transaction, adding our steps one at a time.
  const bulk = (upTo: 'row' | 'history' | 'lookup'): number => {
    const f = fresh(`bulk-${upTo}`);
    const db = openDatabase(f).db;
    try {
      const step = bareSteps(db, upTo);
      const t = process.hrtime.bigint();
      db.transaction(() => {
        for (let i = 0; i < rows; i++) step(`SO-${i}`, fieldsOf(i));
      }).immediate();
      return seconds(t);
    } finally {
      db.close();
      drop(f);
    }
  };
  // Ours: parse and check the CSV text, then queue every row in one transaction.
  let planS = Infinity;
  let enqueueS = Infinity;
  const ours = (): void => {
    const f = fresh('import');
    const importer = Outbox.open(f);
    try {
      let t = process.hrtime.bigint();
      const plan = planImport(csv, { defaultCompany: 'USMF', queuedBy: 'bench' });
      const p = seconds(t);
      if (plan.problems.length) throw new Error(`bench CSV has problems: ${plan.problems[0]!.message}`);
      t = process.hrtime.bigint();
      importer.enqueueMany(plan.rows.map((r) => r.input));
      const e = seconds(t);
      if (importer.counts().pending !== rows) throw new Error('import lost rows');
      if (p + e < planS + enqueueS) [planS, enqueueS] = [p, e];
    } finally {
      importer.close();
      drop(f);
    }
  };
  // Each three times, ours after the bare runs and before them in turn; the fastest run of each
  // kept (the first runs pay for warming up, and a run the disk holds up is not the code's time).
  const best = { row: Infinity, history: Infinity, lookup: Infinity };
  for (let round = 0; round < 3; round++) {
    if (round % 2 === 1) ours();
    for (const k of ['row', 'history', 'lookup'] as const) best[k] = Math.min(best[k], bulk(k));
    if (round % 2 === 0) ours();
  }
  const { row: bareS, history: historyS, lookup: lookupS } = best;
  const rate = rows / (planS + enqueueS);
  const per1000 = (s: number) => (s * 1000 * 1000) / rows;
  const bare: Baseline = { name: 'bare bulk INSERT of prepared rows, one transaction, same schema', value: rows / bareS, unit: 'rows/s', kind: 'measured' };
  const whole: Baseline = { name: 'our import of 1,000 rows, same run', value: per1000(planS + enqueueS), unit: 'ms', kind: 'measured' };
  const n = rows.toLocaleString('en-US');
  return [
    ratioFigure('import.csv.ratioToBare', `CSV import of ${n} rows (parse, check, coalesce, history) to a bare bulk INSERT`, rate, bare, '≥ 0.8'),
    figure('import.csv.rate', `CSV import of ${n} rows`, rate, 'rows/s', bare, '≥ 0.8 of bare'),
    figure('profile.import.parse.msPer1000', 'import: CSV parse and row checks (planImport)', per1000(planS), 'ms', whole),
    figure('profile.import.row.msPer1000', 'import: the row INSERTs with their indexes and triggers, search index included (bare bulk insert)', per1000(bareS), 'ms', whole),
    figure('profile.import.history.msPer1000', "import: the history rows ('queued' events)", per1000(historyS - bareS), 'ms', whole),
    figure('profile.import.lookup.msPer1000', 'import: the coalescing look-ups', per1000(lookupS - historyS), 'ms', whole),
    figure('profile.import.rest.msPer1000', 'import: the rest of enqueueMany (JSON, statement calls)', per1000(enqueueS - lookupS), 'ms', whole),
  ];
}

export function benchEnqueue(ops = 2000, rows = 100_000): Figure[] {
  const dir = tempDir('enqueue');
  try {
    return [...singles(dir, ops), ...csvImport(dir, rows)];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
