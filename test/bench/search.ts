/**
 * Queue search at scale: Outbox.page({ search, limit: 50 }) — the query the queue screen and
 * `outbox list --search` run — on a million queued updates, for terms with few, many and no
 * matches, short terms (no trigram), and with a state. Run: node test/bench/search.ts [N]
 */
import fs from 'node:fs';
import path from 'node:path';
import { Outbox } from '../../core/outbox/outbox.ts';
import { figure, median, ms, tempDir, type Baseline, type Figure } from './common.ts';

/** Absolute times: the aim (< 50 ms) is the yardstick; the bare scan is in scale.ts. */
const NONE: Baseline = { name: 'none (an absolute time)', value: 0, unit: 'ms', kind: 'measured' };

/** Fills with SQL (the triggers index every row, as they would an import). */
function fill(file: string, n: number): number {
  const outbox = Outbox.open(file);
  const now = Date.now();
  const t = process.hrtime.bigint();
  outbox.db.exec(`
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n})
    INSERT INTO updates (profile, company, order_no, fields, base, source, queued_by, state, next_attempt_at, created_at, updated_at)
    SELECT 'fo', 'USMF', printf('BIG-%07d', x),
      '{"DeliveryModeCode":"' || (x % 9) || '","CustomerName":"' || CASE WHEN x % 997 = 0 THEN 'Müller GmbH' ELSE 'Contoso ' || (x % 89) END || '"}',
      NULL, 'csv', 'bench', 'pending', ${now}, ${now}, ${now} + x FROM c;`);
  const took = ms(t);
  outbox.close();
  return took;
}

export function benchSearch(n = 1_000_000, runs = 15): Figure[] {
  const dir = tempDir('search');
  const file = path.join(dir, 'outbox.sqlite');
  try {
    const fillMs = fill(file, n);
    const outbox = Outbox.open(file);
    const perN = `${n.toLocaleString('en-US')} queued`;
    const cases: { term: string; state?: 'pending' | 'held'; what: string }[] = [
      { term: 'big-0999', what: 'an order-number part, 1,000 matches' },
      { term: '119999', what: 'digits inside order numbers, few matches' },
      { term: 'müller', what: 'a value, any case, ~1,000 matches' },
      { term: 'so-1150', what: 'no match' },
      { term: 'contoso 1', what: 'a value, ~11% of rows (many matches)' },
      { term: 'big-', what: 'every row matches' },
      { term: 'müller', state: 'pending', what: 'a value within a state' },
      { term: 'big-000', what: 'only the 9,999 oldest rows match (worst case: the walk passes every newer row)' },
      { term: 'big-', state: 'held', what: 'every row matches, none in the state (empty state)' },
      { term: 'bi', what: 'a short term (no trigram), every row matches' },
      { term: 'zq', what: 'a short term (no trigram) that matches nothing: the full scan' },
    ];
    const figures: Figure[] = [];
    for (const c of cases) {
      const times: number[] = [];
      let shown = '';
      for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint();
        const page = outbox.page({ search: c.term, state: c.state, limit: 50 });
        times.push(ms(t));
        shown = page.matches ? `${page.matches.more ? '>' : ''}${page.matches.count}` : '?';
      }
      figures.push(figure(`search.case${figures.length + 1}.ms`, `search "${c.term}"${c.state ? ` in ${c.state}` : ''}: ${c.what} (${shown} counted), ${perN} (median of ${runs})`, median(times), 'ms', NONE, '< 50'));
    }
    outbox.close();
    const mb = (fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0)) / 1024 / 1024;
    figures.push(figure('search.fill.ms', `fill ${perN} with one INSERT … SELECT (triggers index every row), ${Math.round(mb)} MB`, fillMs, 'ms', NONE));
    return figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of benchSearch(Number(process.argv[2] ?? 1_000_000))) console.log(`${f.value.toFixed(2).padStart(10)} ${f.unit}  ${f.name}`);
}
