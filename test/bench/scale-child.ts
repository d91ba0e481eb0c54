// The agent's share of the scale benchmark: open the big outbox, drain it for a while, and
// sample the process's memory all along (peak, end, and a series of one point a second).
import path from 'node:path';
import v8 from 'node:v8';
import { createDispatcher, D365Client } from '../../core/d365/client.ts';
import { PROFILES } from '../../core/d365/profile.ts';
import { EntraTokenSource } from '../../core/d365/token.ts';
import { Drainer } from '../../core/engine/drainer.ts';
import { EventBus } from '../../core/events.ts';
import { Metrics } from '../../core/metrics.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { keepYoungGenerationSmall } from '../../main/memory.ts';

export interface RssReport {
  /** RSS with every module loaded, before the outbox was opened */
  beforeMb: number;
  peakMb: number;
  endMb: number;
  seconds: number;
  samples: number;
  done: number;
  /** what the integrity check of the big file (a worker thread, during the drain) found */
  integrity: string[];
  /**
   * One point a second: seconds since the drain started, RSS, the JS heap in use and as
   * reserved by V8, and the memory outside it that Node knows of (Buffers: HTTP bodies) in MB,
   * and updates sent. What RSS holds beyond the reserved heap and those is native: SQLite's
   * page caches (the agent's, the integrity worker's), the allocator, thread stacks, code.
   */
  series: { s: number; rssMb: number; heapMb: number; heapTotalMb: number; externalMb: number; done: number }[];
  /** at the end: what V8 has reserved for each heap space, and how much of it is in use (MB) */
  heapSpaces: { space: string; reservedMb: number; usedMb: number }[];
}

const SAMPLE_MS = 200;
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

if (process.env.BENCH_DATA_DIR) {
  // as every host of the agent does at its start
  keepYoungGenerationSmall();
  const simUrl = process.env.BENCH_SIM_URL!;
  const beforeMb = mb(process.memoryUsage.rss());
  const outbox = Outbox.open(path.join(process.env.BENCH_DATA_DIR, 'outbox.sqlite'));
  let integrity: string[] = ['the integrity check had not finished when the drain ended'];
  void outbox.integrity.then((problems) => (integrity = problems));
  const dispatcher = createDispatcher();
  const tokens = new EntraTokenSource({ authorityUrl: simUrl, tenant: 'sim-tenant', clientId: 'outbox-agent', scope: `${simUrl}/.default` }, async () => 'sim-secret', dispatcher);
  const client = new D365Client({ serviceRoot: `${simUrl}/data`, profile: PROFILES.fo, tokens, dispatcher });
  const events = new EventBus();
  let done = 0;
  events.subscribe((e) => {
    if (e.type === 'done') done++;
  });
  const drainer = new Drainer(outbox, client, events, new Metrics(outbox.db), { batchSize: 50 });
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const series: RssReport['series'] = [];
  const started = performance.now();
  let peak = process.memoryUsage.rss();
  let samples = 0;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    peak = Math.max(peak, rss);
    samples++;
    const s = Math.floor((performance.now() - started) / 1000);
    if (series.length === 0 || series.at(-1)!.s < s) {
      const m = process.memoryUsage();
      series.push({ s, rssMb: mb(rss), heapMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), done });
    }
    return rss;
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  drainer.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const end = sample();
  const heapSpaces = v8.getHeapSpaceStatistics().map((h) => ({ space: h.space_name, reservedMb: mb(h.space_size), usedMb: mb(h.space_used_size) }));
  clearInterval(sampler);
  const elapsed = (performance.now() - started) / 1000;
  await drainer.stop();
  outbox.close();
  await dispatcher.close();
  const report: RssReport = { beforeMb, peakMb: mb(peak), endMb: mb(end), seconds: elapsed, samples, done, integrity, series, heapSpaces };
  console.log(JSON.stringify(report));
}
