/**
 * Enqueue speed as ratios to bare better-sqlite3 on the same schema and pragmas, same run:
 * durable single enqueues (one transaction each, synchronous=FULL) and a 100,000-row CSV import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { planImport } from '../../core/csv/import.ts';
import { openDatabase } from '../../core/outbox/database.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { seconds, tempDir, type Figure } from './common.ts';
import { checkUpdate } from '../../core/outbox/update-input.ts';

const INSERT = `INSERT INTO updates (profile, company, order_no, fields, base, source, queued_by, state, next_attempt_at, created_at, updated_at)
                VALUES ('fo', 'USMF', ?, ?, NULL, 'cli', 'bench', 'pending', ?, ?, ?)`;

export function benchEnqueue(singles = 2000, rows = 100_000): Figure[] {
  const dir = tempDir('enqueue');
  try {
    // Bare: one INSERT per transaction into the same table, indexes and pragmas.
    const bare = openDatabase(path.join(dir, 'bare.sqlite')).db;
    const ins = bare.prepare(INSERT);
    let t = process.hrtime.bigint();
    for (let i = 0; i < singles; i++) {
      const now = Date.now();
      bare.transaction(() => ins.run(`SO-${i}`, '{"DeliveryModeCode":"10"}', now, now, now)).immediate();
    }
    const bareSingle = singles / seconds(t);

    const outbox = Outbox.open(path.join(dir, 'ours.sqlite'));
    t = process.hrtime.bigint();
    for (let i = 0; i < singles; i++) {
      outbox.enqueue(checkUpdate({ company: 'USMF', orderNumber: `SO-${i}`, fields: { DeliveryModeCode: '10' }, source: 'cli', queuedBy: 'bench' }));
    }
    const oursSingle = singles / seconds(t);
    outbox.close();

    // 100,000 rows: bare bulk insert of prepared rows in one transaction, versus our import
    // from CSV text (parse, validate every row, coalescing check, history) in one transaction.
    const lines = ['order,company,DeliveryModeCode,RequestedShippingDate'];
    for (let i = 0; i < rows; i++) lines.push(`SO-${i},USMF,${i % 7},2027-01-${String((i % 28) + 1).padStart(2, '0')}T12:00:00Z`);
    const csv = lines.join('\n');
    const bulk = openDatabase(path.join(dir, 'bulk.sqlite')).db;
    const bulkIns = bulk.prepare(INSERT);
    t = process.hrtime.bigint();
    bulk.transaction(() => {
      for (let i = 0; i < rows; i++) {
        const now = Date.now();
        bulkIns.run(`SO-${i}`, `{"DeliveryModeCode":"${i % 7}","RequestedShippingDate":"2027-01-01T12:00:00Z"}`, now, now, now);
      }
    }).immediate();
    const bareBulk = rows / seconds(t);
    bulk.close();
    bare.close();

    const importer = Outbox.open(path.join(dir, 'import.sqlite'));
    t = process.hrtime.bigint();
    const plan = planImport(csv, { defaultCompany: 'USMF', queuedBy: 'bench' });
    if (plan.problems.length) throw new Error(`bench CSV has problems: ${plan.problems[0]!.message}`);
    importer.enqueueMany(plan.rows.map((r) => r.input));
    const oursImport = rows / seconds(t);
    if (importer.counts().pending !== rows) throw new Error('import lost rows');
    importer.close();

    return [
      {
        name: 'durable single enqueue',
        value: oursSingle,
        unit: 'enqueues/s',
        baseline: { name: 'bare INSERT, one transaction each, same pragmas', value: bareSingle },
        ratio: oursSingle / bareSingle,
        aim: '≥ 0.8',
      },
      {
        name: `CSV import of ${rows.toLocaleString('en-US')} rows`,
        value: oursImport,
        unit: 'rows/s',
        baseline: { name: 'bare bulk INSERT of prepared rows, one transaction', value: bareBulk },
        ratio: oursImport / bareBulk,
        aim: '≥ 0.5',
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
