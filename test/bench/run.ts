/**
 * `npm run bench`: every figure the issues ask for, as ratios to baselines measured in this
 * same run, printed as a table and written to test-artifacts/bench.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchAlertLatency } from './alert.ts';
import { fmt, type Figure } from './common.ts';
import { benchDrain } from './drain.ts';
import { benchEnqueue } from './enqueue.ts';
import { benchPeakHour, type PeakRow } from './peak-hour.ts';
import { benchScale } from './scale.ts';

const quick = process.argv.includes('--quick');
const started = Date.now();
const say = (s: string) => process.stdout.write(s + '\n');

say(`Outbox Agent benchmarks — node ${process.version}, ${new Date().toISOString()}${quick ? ' (quick)' : ''}\n`);

say('1. Peak hour (other users touching the same orders; a naive client sees ≈15 % concurrency errors)');
const peak = await benchPeakHour(quick ? 60 : 200);
const cols: [keyof PeakRow, string][] = [
  ['applied', 'applied'],
  ['trueConflicts', 'true confl.'],
  ['trueConflictsSurfaced', 'surfaced'],
  ['overwroteOthers', 'overwrote others'],
  ['wronglyFailed', 'wrongly failed'],
  ['lost', 'lost'],
  ['concurrencyErrorRate', 'conc. err %'],
  ['requestsPerUpdate', 'req/update'],
  ['wallSeconds', 'wall s'],
];
say(['client'.padEnd(50), ...cols.map(([, h]) => h.padStart(12))].join(' '));
for (const row of peak) {
  say(
    [
      row.client.padEnd(50),
      ...cols.map(([k]) => {
        const v = row[k] as number;
        return (k === 'concurrencyErrorRate' ? fmt(v * 100, 1) : Number.isInteger(v) ? String(v) : fmt(v)).padStart(12);
      }),
    ].join(' '),
  );
}

const figures: Figure[] = [];
const section = async (title: string, run: () => Promise<Figure[]> | Figure[]) => {
  say(`\n${title}`);
  const got = await run();
  for (const f of got) {
    const base = f.baseline ? `  vs ${f.baseline.name}: ${fmt(f.baseline.value)} → ratio ${fmt(f.ratio!)}` : '';
    say(`  ${f.name}: ${fmt(f.value)} ${f.unit}${base}  (aim ${f.aim ?? '—'})`);
  }
  figures.push(...got);
};
await section('2. Drain rate vs the limit (simulated round trip 20 ms)', () => (quick ? benchDrain(20, 60, 600) : benchDrain(20, 200, 2000)));
await section('3. Enqueue', () => (quick ? benchEnqueue(500, 20_000) : benchEnqueue(2000, 100_000)));
await section('4. Scale', () => (quick ? benchScale(100_000, 3) : benchScale(1_000_000, 6)));
await section('5. Alert latency', () => benchAlertLatency(quick ? 10 : 30));

const out = path.join('test-artifacts', 'bench.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), node: process.version, quick, peakHour: peak, figures }, null, 2));
say(`\nwritten to ${out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
