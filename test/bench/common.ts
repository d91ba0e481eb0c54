import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { PeakRow } from './peak-hour.ts';
import type { RssReport } from './scale-child.ts';

/** What a figure is compared with. */
export interface Baseline {
  name: string;
  value: number;
  unit: string;
  /**
   * measured: run in this same process, same run; limit: what physics or the scheme allows;
   * truth: the count the ground truth (the simulator's write log, the generated data) gives.
   */
  kind: 'measured' | 'limit' | 'truth';
}

/** One number of the bench, under an id that stays the same from run to run. */
export interface Figure {
  /** stable, dotted: `drain.single.ratioToLimit`; the README and the issues refer to it */
  id: string;
  name: string;
  value: number;
  unit: string;
  baseline: Baseline;
  /** value / baseline.value (null when the baseline is 0) */
  ratio: number | null;
  aim?: string;
}

export function figure(id: string, name: string, value: number, unit: string, baseline: Baseline, aim?: string): Figure {
  const ratio = baseline.value === 0 || !Number.isFinite(baseline.value) ? null : value / baseline.value;
  return { id, name, value, unit, baseline, ratio, ...(aim === undefined ? {} : { aim }) };
}

/** A figure whose value is itself the ratio to its baseline (ids ending in `ratioTo…`). */
export function ratioFigure(id: string, name: string, measured: number, baseline: Baseline, aim?: string): Figure {
  const f = figure(id, name, baseline.value === 0 ? NaN : measured / baseline.value, '×', baseline, aim);
  return { ...f, ratio: Number.isFinite(f.value) ? f.value : null };
}

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  sqlite: string;
  betterSqlite3: string;
  os: string;
  memoryMb: number;
  /** 1-minute load average when the bench started: the machine may be shared */
  loadAverage: number;
}

export function machine(): Machine {
  const db = new BetterSqlite3(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  const pkg = JSON.parse(fs.readFileSync(new URL('../../node_modules/better-sqlite3/package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    sqlite,
    betterSqlite3: pkg.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `outbox-bench-${prefix}-`));
}

export function seconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

export function ms(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

/** Milliseconds fn takes, median of `times` runs. */
export function timeMs(times: number, fn: () => unknown): number {
  const runs: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = process.hrtime.bigint();
    fn();
    runs.push(ms(t));
  }
  return median(runs);
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  if (n !== 0 && Math.abs(n) < 0.01) return n.toPrecision(2);
  return Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Section {
  id: string;
  title: string;
  /** a sentence on what the section runs, for the README */
  about: string;
  figureIds: string[];
}

/** test-artifacts/bench.json: everything one `npm run bench` measured. */
export interface BenchReport {
  schema: 1;
  at: string;
  quick: boolean;
  seconds: number;
  machine: Machine;
  loadAverageAtEnd: number;
  sections: Section[];
  figures: Figure[];
  peakHour: PeakRow[];
  /** the same table against SAP CAP */
  peakHourCap: PeakRow[];
  rssSeries: RssReport['series'];
  /** the draining agent's V8 heap spaces at the end of the RSS run */
  rssHeapSpaces: RssReport['heapSpaces'];
  /** sections that failed, with why; an empty list in a complete run */
  errors: { section: string; message: string }[];
}

/** The ids the issues and the README rely on; a run without one of them is incomplete. */
export const REQUIRED_IDS = [
  'peak.ours.wronglyFailed',
  'peak.ours.overwrote',
  'peak.ours.lost',
  'peak.naive.wronglyFailed',
  'peak.seed001.overwrote',
  'peak.seed000.overwrote',
  'peakCap.ours.wronglyFailed',
  'peakCap.ours.overwrote',
  'peakCap.ours.lost',
  'peakCap.naive.wronglyFailed',
  'peakCap.seed001.overwrote',
  'peakCap.seed000.overwrote',
  'drain.single.ratioToLimit',
  'drain.batch.ratioToLimit',
  'drain.batch.rate',
  'enqueue.single.ratioToBare',
  'import.csv.ratioToBare',
  'scale.open.ms',
  'scale.status.ms',
  'scale.nextDue.ms',
  'scale.search.ms',
  'scale.rss.mb',
  'scale.rss.end.mb',
  'alert.latency.p50.ms',
  'throttle.ours.requests429',
  'throttle.fixed.requests429',
  'throttle.ours.seconds',
  'throttle.fixed.seconds',
] as const;
