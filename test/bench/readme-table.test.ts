/**
 * The README's performance block is generated from bench.json: every figure by id with its
 * value, baseline and ratio, the peak-hour table, the machine; the rest of the README stays
 * byte for byte; quick or incomplete runs are refused.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { figure, ratioFigure, REQUIRED_IDS, type BenchReport } from './common.ts';
import type { PeakRow } from './peak-hour.ts';
import { BEGIN, END, number, problemsOf, renderBenchSection, spliceGenerated } from './readme-table.ts';

const GENERATOR = fileURLToPath(new URL('./readme-table.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const peakRow = (id: PeakRow['id'], client: string, overwrote: number): PeakRow => ({
  id,
  client,
  updates: 200,
  applied: 187,
  trueConflicts: 13,
  trueConflictsSurfaced: 13 - overwrote,
  overwroteOthers: overwrote,
  wronglyFailed: 0,
  lost: 0,
  concurrencyErrorRate: 0.147,
  requestsPerUpdate: 0.11,
  wallSeconds: 6.9,
});

function report(overrides: Partial<BenchReport> = {}): BenchReport {
  const limit = { name: 'physical limit N/(2·RTT)', value: 25, unit: 'updates/s', kind: 'limit' } as const;
  const figures = [
    ratioFigure('drain.single.ratioToLimit', 'drain rate, single requests, to its limit', 22.6, limit, '≥ 0.9'),
    figure('scale.rss.mb', 'agent RSS | peak', 187.25, 'MB', { name: 'idle process', value: 71.5, unit: 'MB', kind: 'measured' }, '< 200'),
  ];
  // Every other required id, so the report is complete.
  for (const id of REQUIRED_IDS) {
    if (!figures.some((f) => f.id === id)) figures.push(figure(id, id, 1, 'ms', { name: 'x', value: 2, unit: 'ms', kind: 'measured' }));
  }
  return {
    schema: 1,
    at: '2026-12-01T21:00:00.000Z',
    quick: false,
    seconds: 321,
    machine: { cores: 2, cpuModel: 'AMD EPYC', node: 'v24.22.3', sqlite: '3.54.1', betterSqlite3: '13.2.0', os: 'Linux 6 x64', memoryMb: 24_000, loadAverage: 0.5 },
    loadAverageAtEnd: 1.5,
    sections: [
      { id: 'peak', title: 'Peak hour', about: '200 updates.', figureIds: [] },
      { id: 'peakCap', title: 'Peak hour against SAP CAP', about: 'The same against CAP.', figureIds: [] },
      { id: 'drain', title: 'Drain rate', about: 'RTT 20 ms.', figureIds: ['drain.single.ratioToLimit'] },
      { id: 'scale', title: 'Scale', about: 'A million.', figureIds: ['scale.rss.mb'] },
      { id: 'rest', title: 'The rest', about: '.', figureIds: REQUIRED_IDS.filter((id) => id !== 'drain.single.ratioToLimit' && id !== 'scale.rss.mb') },
    ],
    figures,
    peakHour: [peakRow('naive', 'naive: ETag from queue time', 0), peakRow('ours', 'ours: outbox', 0), peakRow('seed001', 'seed answer 001', 11)],
    peakHourCap: [{ ...peakRow('seed000', 'seed answer 000', 0), applied: 0, note: '190 of 190 PATCHes answered 428 Precondition Required' }, peakRow('ours', 'ours: outbox', 0)],
    rssSeries: [
      { s: 0, rssMb: 95, heapMb: 10, heapTotalMb: 14, externalMb: 2, done: 0 },
      { s: 1, rssMb: 150.5, heapMb: 20, heapTotalMb: 30, externalMb: 2, done: 800 },
      { s: 2, rssMb: 187.2, heapMb: 20, heapTotalMb: 30, externalMb: 2, done: 1600 },
    ],
    rssHeapSpaces: [{ space: 'old_space', reservedMb: 60, usedMb: 30 }],
    errors: [],
    ...overrides,
  };
}

const README = `# Outbox Agent\n\nintro\n\n## Performance\n\nHand-written words.\n\n${BEGIN}\nold table | 1 | 2\n${END}\n\nAfter words.\n\n## Reliability\n`;

describe('the README performance block', () => {
  it('shows each figure by id with its value, baseline and ratio, the peak-hour rows and the machine', () => {
    const block = renderBenchSection(report());
    expect(block.startsWith(BEGIN)).toBe(true);
    expect(block.endsWith(END)).toBe(true);
    expect(block).toContain('2 cores (AMD EPYC)');
    expect(block).toContain('Node v24.22.3, SQLite 3.54.1');
    expect(block).toContain('| `drain.single.ratioToLimit` | drain rate, single requests, to its limit | **0.90×** | physical limit N/(2·RTT): 25 updates/s (limit) |  | ≥ 0.9 |');
    // a pipe inside a name must not open a new cell
    expect(block).toContain('| `scale.rss.mb` | agent RSS \\| peak | **187 MB** | idle process: 71.5 MB | 2.62× | < 200 |');
    expect(block).toMatch(/\| seed answer 001 \(`seed001`\) \| 187 \| 13 \| 2 \| 11 \| 0 \| 0 \| 14\.7 % \| 0\.110 \| 6\.90 s \|/);
    // the table against SAP CAP: its own ids, and what the server refused in the client's row
    expect(block).toContain('**2. Peak hour against SAP CAP** — The same against CAP.');
    expect(block).toContain('| client (`peakCap.<id>`) |');
    expect(block).toMatch(/\| seed answer 000 \(`seed000`\) — 190 of 190 PATCHes answered 428 Precondition Required \| 0 \| 13 \|/);
    expect(block.indexOf('| ours: outbox (`ours`) |')).toBeLessThan(block.indexOf('**2. Peak hour against SAP CAP**'));
    expect(block.lastIndexOf('| ours: outbox (`ours`) |')).toBeGreaterThan(block.indexOf('**2. Peak hour against SAP CAP**'));
    expect(block).toContain('0 s: 95 MB');
    expect(block).toContain('2 s: 187 MB');
  });

  it('replaces only what is between the markers, and again the same way', () => {
    const once = spliceGenerated(README, renderBenchSection(report()));
    expect(once).not.toContain('old table');
    expect(once.startsWith('# Outbox Agent\n\nintro\n\n## Performance\n\nHand-written words.\n\n')).toBe(true);
    expect(once.endsWith('\n\nAfter words.\n\n## Reliability\n')).toBe(true);
    expect(spliceGenerated(once, renderBenchSection(report()))).toBe(once);
    const other = spliceGenerated(once, renderBenchSection(report({ seconds: 999 })));
    expect(other).toContain('in 999 s');
    expect(other).not.toContain('in 321 s');
  });

  it('says where the markers go when the README has none, and refuses two blocks', () => {
    expect(() => spliceGenerated('# no block\n', 'x')).toThrow(/no generated performance block.*<!-- bench:begin/);
    expect(() => spliceGenerated(README + README, 'x')).toThrow(/more than one generated performance block/);
  });

  it('refuses quick runs, failed sections and missing ids, saying which', () => {
    expect(problemsOf(report())).toEqual([]);
    expect(problemsOf(report({ quick: true })).join()).toMatch(/--quick run/);
    expect(problemsOf(report({ errors: [{ section: 'scale', message: 'child exited 1\nstack' }] }))).toEqual(['section scale failed: child exited 1']);
    const without = report();
    without.figures = without.figures.filter((f) => f.id !== 'throttle.fixed.requests429');
    expect(problemsOf(without)).toEqual(['figures missing: throttle.fixed.requests429']);
  });

  it('npm run bench:readme rewrites the README from bench.json, and leaves it alone for a quick run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-readme-'));
    dirs.push(dir);
    const bench = path.join(dir, 'bench.json');
    const readme = path.join(dir, 'README.md');
    fs.writeFileSync(readme, README);
    fs.writeFileSync(bench, JSON.stringify(report({ quick: true })));
    const refused = spawnSync(process.execPath, [GENERATOR, bench, readme], { encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/does not go into the README: it is a --quick run/);
    expect(fs.readFileSync(readme, 'utf8')).toBe(README);

    fs.writeFileSync(bench, JSON.stringify(report()));
    const ran = spawnSync(process.execPath, [GENERATOR, bench, readme], { encoding: 'utf8' });
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    expect(fs.readFileSync(readme, 'utf8')).toBe(spliceGenerated(README, renderBenchSection(report())));
  });
});

describe('numbers in the README', () => {
  it('keep enough digits to read, and tiny ones do not turn into zero', () => {
    expect(number(1250.4, 'updates/s')).toBe('1,250');
    expect(number(22.24, 'updates/s')).toBe('22.2');
    expect(number(0.8123, '×')).toBe('0.81');
    expect(number(0.0061, 'ms')).toBe('0.006');
    expect(number(0.000103, '×')).toBe('0.00010');
    expect(number(0.0042, '×')).toBe('0.0042');
    expect(number(14.71, '%')).toBe('14.7');
    expect(number(NaN)).toBe('—');
  });
});
