/**
 * `npm run bench`: every figure the issues ask for, each under a stable id with its baseline
 * (measured in this same run, or the limit it is held to) and the ratio, printed and written to
 * test-artifacts/bench.json. `npm run bench:readme` turns that file into the README's table.
 * `--quick` runs every section smaller (a minute or so), for trying changes; not for the README.
 * `--only peak,peakCap` runs just the sections named (by id), for trying one; not for the README either.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchAlertLatency } from './alert.ts';
import { fmt, machine, REQUIRED_IDS, type BenchReport, type Figure, type Section } from './common.ts';
import { benchDrain } from './drain.ts';
import { benchEnqueue } from './enqueue.ts';
import { benchPeakHour, PEAK_RACE, PEAK_SAME_FIELD, peakFigures, type PeakRow } from './peak-hour.ts';
import { benchPeakHourCap, CAP_SERVER_NAME } from './peak-hour-cap.ts';
import { profileDrainBatch, profileDrainSingle } from './profile.ts';
import { benchScale } from './scale.ts';
import type { RssReport } from './scale-child.ts';
import { benchThrottle } from './throttle.ts';
import { D365_LIKE } from './throttle-proxy.ts';
import { keepYoungGenerationSmall } from '../../main/memory.ts';

// measured as every host of the agent runs (main/memory.ts)
keepYoungGenerationSmall();
const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt < 0 ? null : new Set((process.argv[onlyAt + 1] ?? '').split(','));
const started = Date.now();
const say = (s: string) => process.stdout.write(s + '\n');

const host = machine();
say(`Outbox Agent benchmarks — ${new Date().toISOString()}${quick ? ' (quick: smaller sizes, not for the README)' : ''}`);
say(
  `machine: ${host.cores} cores (${host.cpuModel}), ${Math.round(host.memoryMb / 1024)} GB, ${host.os}; Node ${host.node}, SQLite ${host.sqlite} ` +
    `(better-sqlite3 ${host.betterSqlite3}); load average ${host.loadAverage} at the start\n`,
);

const sections: Section[] = [];
const figures: Figure[] = [];
const errors: BenchReport['errors'] = [];
let peakHour: PeakRow[] = [];
let peakHourCap: PeakRow[] = [];
let rssSeries: RssReport['series'] = [];
let rssHeapSpaces: RssReport['heapSpaces'] = [];

function show(f: Figure): void {
  const ratio = f.ratio === null || f.unit === '×' ? '' : ` → ${fmt(f.ratio)}×`;
  const kind = f.baseline.kind === 'measured' ? '' : ` (${f.baseline.kind})`;
  const base = `vs ${f.baseline.name}${kind}: ${fmt(f.baseline.value)} ${f.baseline.unit}${ratio}`;
  say(`  ${f.id.padEnd(40)} ${fmt(f.value).padStart(10)} ${f.unit.padEnd(9)} ${base}${f.aim ? `  (aim ${f.aim})` : ''}`);
}

/** Runs one section; a failing one is reported and recorded, and the others still run. */
async function section(id: string, title: string, about: string, run: () => Promise<Figure[]> | Figure[], print = true): Promise<void> {
  if (only && !only.has(id)) return;
  say(`${sections.length + 1}. ${title}`);
  const t = Date.now();
  try {
    const got = await run();
    if (print) got.forEach(show);
    figures.push(...got);
    sections.push({ id, title, about, figureIds: got.map((f) => f.id) });
  } catch (e) {
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    say(`  FAILED: ${message}`);
    errors.push({ section: id, message });
    sections.push({ id, title, about, figureIds: [] });
  }
  say(`  (${((Date.now() - t) / 1000).toFixed(0)} s)\n`);
}

const PEAK_COLUMNS: [keyof PeakRow, string][] = [
  ['applied', 'applied'],
  ['trueConflicts', 'true confl.'],
  ['trueConflictsSurfaced', 'surfaced'],
  ['overwroteOthers', 'overwrote'],
  ['wronglyFailed', 'wrongly failed'],
  ['lost', 'lost'],
  ['concurrencyErrorRate', 'conc. err %'],
  ['requestsPerUpdate', 'req/update'],
  ['wallSeconds', 'wall s'],
];

/** The peak-hour rows as a table on the console (bench.json and the README have every cell too). */
function showPeak(rows: PeakRow[]): void {
  say(['  client'.padEnd(92), ...PEAK_COLUMNS.map(([, h]) => h.padStart(12))].join(' '));
  for (const row of rows) {
    const cells = PEAK_COLUMNS.map(([k]) => {
      const v = row[k] as number;
      return (k === 'concurrencyErrorRate' ? fmt(v * 100, 1) : Number.isInteger(v) ? String(v) : fmt(v)).padStart(12);
    });
    say([`  ${row.client}`.padEnd(92), ...cells].join(' '));
    if (row.note) say(`    ↳ ${row.note}`);
  }
}

const peakN = quick ? 60 : 200;
const pct = (p: number) => `${Math.round(p * 100)} %`;
await section(
  'peak',
  'Peak hour',
  `${peakN} updates; other users write to the same orders before ${pct(PEAK_RACE)} of requests (${pct(PEAK_SAME_FIELD)} of those writes hit the very field we change); ground truth from the simulator's write log.`,
  async () => {
    peakHour = await benchPeakHour(peakN);
    showPeak(peakHour);
    return peakFigures(peakHour);
  },
  false,
);
await section(
  'peakCap',
  'Peak hour against SAP CAP',
  `The same four clients and ${peakN} updates against ${CAP_SERVER_NAME}, a real OData v4 server we did not write, started on 127.0.0.1 and stopped by the bench; each client has ${peakN} orders of its own, seeded alike. ` +
    `Other users (a second app registration, GET then PATCH with If-Match through the same service) write to the order before ${pct(PEAK_RACE)} of the clients' requests, ${pct(PEAK_SAME_FIELD)} of them to the very field we change; ` +
    `ground truth from CAP's write log (a SQLite trigger).`,
  async () => {
    peakHourCap = await benchPeakHourCap(peakN);
    showPeak(peakHourCap);
    return peakFigures(peakHourCap, 'peakCap', 'peak hour on SAP CAP');
  },
  false,
);
await section('drain', 'Drain rate vs the limit (simulated round trip 20 ms)', 'One request in flight at a time; the simulator waits 20 ms before each answer; each rate is the median of three runs, interleaved.', () =>
  quick ? benchDrain(20, 60, 1000, 50, 1) : benchDrain(20, 200, 5000, 50, 3),
);
await section('profile', 'Where the drain’s time goes (RTT 20 ms)', 'The product’s drainer with stopwatches around its outbox and client calls; per update (single requests) and per group of 50 ($batch).', async () => [
  ...(await profileDrainSingle(20, quick ? 40 : 100)),
  ...(await profileDrainBatch(20, quick ? 500 : 2000)),
]);
await section('enqueue', 'Enqueue and CSV import', 'Ours against bare better-sqlite3 on the same schema and pragmas (synchronous=FULL), with bare variants that add one of our steps at a time.', () =>
  quick ? benchEnqueue(600, 20_000) : benchEnqueue(3000, 100_000),
);
await section(
  'scale',
  'Scale',
  `${(quick ? 100_000 : 1_000_000).toLocaleString('en-US')} queued updates; memory sampled every 200 ms in a child process draining them (compiled JavaScript, as shipped).`,
  async () => {
    const { figures: got, rss } = await benchScale(quick ? 100_000 : 1_000_000, quick ? 10 : 75);
    rssSeries = rss.series;
    rssHeapSpaces = rss.heapSpaces;
    const spaces = rss.heapSpaces.filter((h) => h.reservedMb >= 1).map((h) => `${h.space} ${fmt(h.reservedMb, 1)}/${fmt(h.usedMb, 1)}`);
    say(`  V8 heap of the draining agent at the end, MB reserved/used: ${spaces.join(', ')}`);
    return got;
  },
);
await section(
  'throttle',
  'Throttling',
  `The simulator behind a front allowing ${D365_LIKE.limit} requests per ${D365_LIKE.windowMs / 1000} s; over it, 429 with Retry-After = until the window has room + 1 s per 429 in the last minute (pushing costs).`,
  () => (quick ? benchThrottle(60, { ...D365_LIKE, limit: 40 }, 60) : benchThrottle(200)),
);
await section('alert', 'Alert latency', 'A true conflict, from the simulator answering the GET to the event at an AgentApi subscriber.', () => benchAlertLatency(quick ? 10 : 30));

const missing = REQUIRED_IDS.filter((id) => !figures.some((f) => f.id === id));
if (missing.length > 0) errors.push({ section: 'all', message: `figures missing: ${missing.join(', ')}` });
const report: BenchReport = {
  schema: 1,
  at: new Date(started).toISOString(),
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
  machine: host,
  loadAverageAtEnd: Number(os.loadavg()[0]!.toFixed(2)),
  sections,
  figures,
  peakHour,
  peakHourCap,
  rssSeries,
  rssHeapSpaces,
  errors,
};
const out = path.join('test-artifacts', 'bench.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
say(`written to ${out} in ${report.seconds} s; load average ${report.loadAverageAtEnd} at the end`);
if (errors.length > 0) {
  say(`incomplete: ${errors.map((e) => (e.section === 'all' ? e.message : `section ${e.section} failed (see above)`)).join('; ')}; npm run bench:readme will refuse this file`);
  process.exitCode = 1;
}
