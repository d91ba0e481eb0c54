/**
 * A million queued updates (a site offline for a day, then an import): open, status, next-due
 * and search times, each beside the bare SQL a naive outbox would run on the same file, and
 * the agent's memory while draining them (in a child process of its own, so the figure is the
 * agent's alone), sampled over a minute or more.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { Outbox } from '../../core/outbox/outbox.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { figure, median, ms, tempDir, timeMs, type Baseline, type Figure } from './common.ts';
import type { RssReport } from './scale-child.ts';

/** Who the orders ship to: one in 500 to a name that only a Unicode-aware search folds right. */
const UNICODE_NAME = 'Müller Logistik GmbH';

/**
 * Fills the outbox fast with SQL (setting up is not what is measured): order numbers SO-1 …
 * SO-n in two companies, a delivery mode and a delivery name in the fields, and the 'queued'
 * history event every imported update has.
 */
function fill(file: string, n: number): void {
  const outbox = Outbox.open(file);
  const now = Date.now();
  outbox.db.exec(`
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n})
    INSERT INTO updates (profile, company, order_no, fields, base, source, queued_by, state, next_attempt_at, created_at, updated_at)
    SELECT 'fo', CASE WHEN x % 10 = 0 THEN 'DEMF' ELSE 'USMF' END, 'SO-' || x,
           json_object('DeliveryModeCode', printf('%d0', x % 5 + 1),
                       'DeliveryAddressName', CASE WHEN x % 500 = 7 THEN '${UNICODE_NAME}' ELSE 'Contoso Retail ' || (x % 40) END),
           NULL, 'csv', 'bench', 'pending', ${now}, ${now} + x, ${now} + x FROM c;
    INSERT INTO update_events (update_id, at, kind, detail) SELECT id, created_at, 'queued', NULL FROM updates;`);
  outbox.db.pragma('wal_checkpoint(TRUNCATE)');
  outbox.close();
}

const PAGE = 50;

/**
 * The naive search a bare outbox would run: case-folded (Unicode, not just ASCII), anywhere in
 * the order number or the values, newest first, by scanning every row.
 */
function bareSearch(db: BetterSqlite3.Database): { page: (term: string) => unknown[]; count: (term: string) => number } {
  db.function('fold', { deterministic: true }, (s: unknown) => String(s).toLocaleLowerCase('en-US'));
  const where = `instr(fold(order_no), @term) > 0 OR instr(fold(fields), @term) > 0`;
  const page = db.prepare(`SELECT * FROM updates WHERE ${where} ORDER BY updated_at DESC, id DESC LIMIT ${PAGE + 1}`);
  const count = db.prepare(`SELECT count(*) AS n FROM updates WHERE ${where}`);
  return {
    page: (term) => page.all({ term: term.toLocaleLowerCase('en-US') }),
    count: (term) => (count.get({ term: term.toLocaleLowerCase('en-US') }) as { n: number }).n,
  };
}

/** Does an update the search returned really contain the term (case-folded, anywhere)? */
function matches(term: string, u: { orderNumber: string; fields: Record<string, unknown> }): boolean {
  const t = term.toLocaleLowerCase('en-US');
  return u.orderNumber.toLocaleLowerCase('en-US').includes(t) || Object.values(u.fields).some((v) => String(v).toLocaleLowerCase('en-US').includes(t));
}

export async function benchScale(n = 1_000_000, drainSeconds = 75): Promise<{ figures: Figure[]; rss: RssReport }> {
  const dir = tempDir('scale');
  const file = path.join(dir, 'outbox.sqlite');
  try {
    fill(file, n);
    const mb = fs.statSync(file).size / 1024 / 1024;
    const perN = `${n.toLocaleString('en-US')} queued`;

    const opens: number[] = [];
    const checks: number[] = [];
    let outbox: Outbox | null = null;
    for (let i = 0; i < 3; i++) {
      outbox?.close();
      const t = process.hrtime.bigint();
      outbox = Outbox.open(file);
      opens.push(ms(t));
      const problems = await outbox.integrity;
      checks.push(ms(t));
      if (problems.length) throw new Error(`scale: integrity check failed: ${problems.join('; ')}`);
    }
    const o = outbox!;

    const bare = new BetterSqlite3(file, { readonly: true });
    const figures: Figure[] = [];
    try {
      const bareOpen = timeMs(3, () => new BetterSqlite3(file, { readonly: true }).prepare('SELECT count(*) FROM sqlite_master').get());
      const bareCheck = timeMs(1, () => bare.pragma('quick_check(5)'));
      const measured = (name: string, value: number): Baseline => ({ name, value, unit: 'ms', kind: 'measured' });
      figures.push(
        figure('scale.open.ms', `open, ${perN}, ${Math.round(mb)} MB (median of 3)`, median(opens), 'ms', measured('bare better-sqlite3 open of the same file', bareOpen), '< 1000'),
        figure('scale.integrity.ms', 'integrity check of that file, in a worker thread after open (median of 3)', median(checks), 'ms', measured('PRAGMA quick_check on the main thread', bareCheck), 'off the main thread'),
      );

      let counts = o.counts();
      if (counts.pending !== n) throw new Error(`scale: ${counts.pending} pending of ${n}`);
      const status = timeMs(50, () => (counts = o.counts()));
      const bareStatus = timeMs(3, () => bare.prepare('SELECT state, count(*) AS n FROM updates GROUP BY state').all());
      figures.push(figure('scale.status.ms', `status (counts by state), ${perN} (median of 50)`, status, 'ms', measured('bare SELECT state, count(*) … GROUP BY state', bareStatus), '< 50'));

      const now = Date.now() + n + 1;
      const due = timeMs(50, () => o.nextDue(now));
      const bareDueStmt = bare.prepare(`SELECT * FROM updates WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1`);
      const bareDue = timeMs(50, () => bareDueStmt.get(now));
      figures.push(figure('scale.nextDue.ms', `next-due query, ${perN} (median of 50)`, due, 'ms', measured('bare first pending by due time, no per-order guard', bareDue), '< 5'));

      // Queue search through the outbox's public query, as the UI and CLI call it.
      const naive = bareSearch(bare);
      for (const [key, term, what] of [
        ['scale.search', 'so-1150', 'an order-number fragment in lower case'],
        ['scale.search.unicode', 'müller', 'a delivery name with ü, in lower case'],
      ] as const) {
        let items: { orderNumber: string; fields: Record<string, unknown> }[] = [];
        const took = timeMs(5, () => (items = o.page({ search: term, limit: PAGE }).items));
        const bareTook = timeMs(3, () => naive.page(term));
        const truth = naive.count(term);
        const found = items.filter((u) => matches(term, u)).length;
        figures.push(
          figure(`${key}.ms`, `queue search "${term}" (${what}), first page of ${PAGE}, ${perN} (median of 5)`, took, 'ms', measured('bare full scan, Unicode case-folded, anywhere in order number and values', bareTook), '< 50'),
          figure(`${key}.hits`, `queue search "${term}": matching updates on the first page (${truth.toLocaleString('en-US')} match in all)`, found, 'updates', { name: `matches a case-insensitive anywhere search must show on page 1 (of ${truth.toLocaleString('en-US')})`, value: Math.min(PAGE, truth), unit: 'updates', kind: 'truth' }, `all ${Math.min(PAGE, truth)}`),
        );
      }
    } finally {
      bare.close();
      o.close();
    }

    const sim = await Simulator.start({ orders: 10, autoCreate: true, latencyMs: 20 });
    let rss: RssReport;
    try {
      rss = await drainInChild(dir, sim, drainSeconds);
    } finally {
      await sim.stop();
    }
    if (rss.integrity.length > 0) throw new Error(`scale: the draining agent's integrity check: ${rss.integrity.join('; ')}`);
    const idle: Baseline = { name: 'the same process before it opened the outbox (Node and the compiled modules)', value: rss.beforeMb, unit: 'MB', kind: 'measured' };
    figures.push(
      figure('scale.rss.mb', `agent RSS while draining ${perN} ($batch, RTT 20 ms): peak of ${rss.samples} samples over ${Math.round(rss.seconds)} s`, rss.peakMb, 'MB', idle, '< 200'),
      figure('scale.rss.end.mb', `agent RSS at the end of those ${Math.round(rss.seconds)} s`, rss.endMb, 'MB', idle, '< 200'),
      figure('scale.rss.sent', `updates sent while RSS was sampled`, rss.done, 'updates', { name: 'queued', value: n, unit: 'updates', kind: 'truth' }),
    );
    return { figures, rss };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The agent ships as JavaScript: its memory is measured on the compiled child, not under Node's
 * TypeScript stripping (which alone adds some 30 MB to the RSS). Compiled without type checks
 * (npm run typecheck does those) into test-artifacts/, where node_modules still resolves.
 */
function compileChild(): string {
  const out = path.join(ROOT, 'test-artifacts', 'bench-build');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const config = path.join(out, 'tsconfig.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.base.json'),
      compilerOptions: { noEmit: false, noCheck: true, outDir: out, rootDir: ROOT, rewriteRelativeImportExtensions: true, lib: ['ES2023'], types: ['node'], sourceMap: false, declaration: false },
      include: [],
      // The integrity worker is loaded by URL, not imported: name it, or the check cannot run.
      files: [path.join(ROOT, 'test', 'bench', 'scale-child.ts'), path.join(ROOT, 'core', 'outbox', 'integrity-worker.ts')],
    }),
  );
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`scale: compiling the child failed: ${tsc.stdout}${tsc.stderr}`);
  return path.join(out, 'test', 'bench', 'scale-child.js');
}

function drainInChild(dataDir: string, sim: Simulator, secondsToDrain: number): Promise<RssReport> {
  const child = spawn(process.execPath, [compileChild()], {
    env: { ...process.env, BENCH_DATA_DIR: dataDir, BENCH_SIM_URL: sim.url, BENCH_SECONDS: String(secondsToDrain) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), (secondsToDrain + 60) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`scale child exited ${code}: ${out}`);
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as RssReport);
      } catch (e) {
        reject(e);
      }
    });
  });
}
