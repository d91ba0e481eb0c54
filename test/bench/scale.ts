/**
 * A million queued updates: open time, status time, next-due query time, and the agent's
 * memory while draining (in a child process of its own, so the figure is the agent's alone).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Outbox } from '../../core/outbox/outbox.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { median, ms, tempDir, type Figure } from './common.ts';

/** Fills the outbox fast with SQL: setting up is not what is measured. */
function fill(file: string, n: number): void {
  const outbox = Outbox.open(file);
  const now = Date.now();
  outbox.db.exec(`
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n})
    INSERT INTO updates (profile, company, order_no, fields, base, source, queued_by, state, next_attempt_at, created_at, updated_at)
    SELECT 'fo', 'USMF', printf('BIG-%07d', x), '{"DeliveryModeCode":"' || (x % 9) || '"}', NULL, 'csv', 'bench', 'pending', ${now}, ${now}, ${now} + x FROM c;`);
  outbox.close();
}

export async function benchScale(n = 1_000_000, drainSeconds = 6): Promise<Figure[]> {
  const dir = tempDir('scale');
  const file = path.join(dir, 'outbox.sqlite');
  try {
    fill(file, n);
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
    const mb = fs.statSync(file).size / 1024 / 1024;
    const status: number[] = [];
    const due: number[] = [];
    for (let i = 0; i < 50; i++) {
      let t = process.hrtime.bigint();
      const counts = o.counts();
      status.push(ms(t));
      if (counts.pending !== n) throw new Error(`scale: ${counts.pending} pending of ${n}`);
      t = process.hrtime.bigint();
      o.nextDue(Date.now());
      due.push(ms(t));
    }
    o.close();

    const sim = await Simulator.start({ orders: 10, autoCreate: true, latencyMs: 5 });
    let rss: { peakMb: number; done: number };
    try {
      rss = await drainInChild(dir, sim, drainSeconds);
    } finally {
      await sim.stop();
    }
    const perN = `${n.toLocaleString('en-US')} queued`;
    return [
      { name: `open, ${perN}, ${Math.round(mb)} MB (median of 3)`, value: median(opens), unit: 'ms', aim: '< 1000' },
      { name: `integrity check of that file, done in a worker thread after open (median of 3)`, value: median(checks), unit: 'ms', aim: 'off the main thread' },
      { name: `status (counts by state), ${perN} (median of 50)`, value: median(status), unit: 'ms', aim: '< 50' },
      { name: `next-due query, ${perN} (median of 50)`, value: median(due), unit: 'ms', aim: '< 5' },
      { name: `agent RSS while draining ${perN} ($batch, ${rss.done} sent in ${drainSeconds} s)`, value: rss.peakMb, unit: 'MB', aim: '< 200' },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function drainInChild(dataDir: string, sim: Simulator, secondsToDrain: number): Promise<{ peakMb: number; done: number }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./scale-child.ts', import.meta.url))], {
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
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as { peakMb: number; done: number });
      } catch (e) {
        reject(e);
      }
    });
  });
}
