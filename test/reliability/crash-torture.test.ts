import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../core/outbox/outbox.ts';
import { checkUpdate } from '../../core/outbox/update-input.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { mulberry32, writeFigures } from './figures.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');
const SEED = Number(process.env.TORTURE_SEED ?? 20251122);
const KILLS = 60;
const FIRST_ORDERS = 60;
const FIELD = 'DeliveryAddressName';
const COMPANY = 'USMF';
const PHASES = ['GET', 'BETWEEN', 'PATCH', 'COMMIT'] as const;
type Phase = (typeof PHASES)[number];
type Mode = Phase | 'random';

interface Run {
  /** the phase the kill landed in ('startup' before any marker, 'idle' after the drain finished) */
  phase: string;
  killed: boolean;
  idle: boolean;
  stderr: string;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * Runs the child once. `mode` says when to kill it: after a random delay, or right when it
 * reaches a phase (the skip-th occurrence after the first), stalled there for BETWEEN and COMMIT.
 */
function runChild(simUrl: string, dataDir: string, mode: Mode | 'never', skip: number, delayMs: number): Promise<Run> {
  const stalled = mode === 'BETWEEN' || mode === 'COMMIT';
  const child = spawn(process.execPath, [CHILD], {
    env: {
      ...process.env,
      TORTURE_SIM_URL: simUrl,
      TORTURE_DATA_DIR: dataDir,
      TORTURE_STALL: stalled ? mode : '',
      TORTURE_SKIP: String(skip),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let last = 'startup';
  let seen = 0;
  let killedIn: string | null = null;
  let idle = false;
  let stderr = '';
  let buffered = '';
  const kill = (phase: string) => {
    if (killedIn !== null || child.exitCode !== null) return;
    killedIn = phase;
    child.kill('SIGKILL');
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (mode === 'random') timer = setTimeout(() => kill(last), delayMs);
  // A hung child fails the run instead of hanging the suite.
  const guard = setTimeout(() => kill('hung'), 30_000);
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  child.stdout.setEncoding('utf8').on('data', (t: string) => {
    buffered += t;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith('@@')) continue;
      const phase = line.slice(2).split(' ')[0]!;
      if (phase === 'IDLE') {
        idle = true;
        last = 'idle';
        continue;
      }
      last = phase;
      if (mode !== phase || seen++ < skip) continue;
      if (stalled) kill(phase);
      // GET and PATCH: the request is on the wire (the simulator answers after a few ms).
      else setTimeout(() => kill(phase), delayMs);
    }
  });
  return new Promise((resolve) => {
    child.on('exit', () => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ phase: killedIn ?? last, killed: killedIn !== null, idle, stderr });
    });
  });
}

describe('crash torture: SIGKILL at random moments and in every phase', () => {
  it(`survives ${KILLS}+ kills with every update applied exactly as intended`, { timeout: 170_000 }, async () => {
    const rnd = mulberry32(SEED);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-torture-'));
    dirs.push(dataDir);
    const file = path.join(dataDir, 'outbox.sqlite');
    const sim = await Simulator.start({
      seed: SEED,
      orders: 3000,
      latencyMs: 4,
      // other users keep touching the same orders, never the field we change
      writers: { onRequest: 0.3, perSecond: 30, sameFieldProbability: 0 },
    });
    try {
      const orderNo = (i: number) => `SO-${String(i).padStart(6, '0')}`;
      /** every value we queued per order, in queue order */
      const intended = new Map<string, string[]>();
      /** orders someone else changed after our final value was written: writeLog seq of that write */
      const overtaken = new Map<string, number>();
      let queued = 0;
      let nextOrder = 1;
      const enqueue = (outbox: Outbox, order: string) => {
        const values = intended.get(order) ?? [];
        const value = `T${SEED % 1000}-${order.slice(-3)}-${values.length + 1}`;
        const r = outbox.enqueue(checkUpdate({ company: COMPANY, orderNumber: order, fields: { [FIELD]: value }, source: 'cli', queuedBy: 'torture' }));
        expect(r.coalesced).toBe(false);
        intended.set(order, [...values, value]);
        queued++;
      };
      const withOutbox = <T>(fn: (o: Outbox) => T): T => {
        const o = Outbox.open(file);
        try {
          return fn(o);
        } finally {
          o.close();
        }
      };
      withOutbox((o) => {
        for (; nextOrder <= FIRST_ORDERS; nextOrder++) enqueue(o, orderNo(nextOrder));
      });

      const clientWrites = (order: string) =>
        sim.writeLog.filter((w) => w.by === 'client' && w.orderNumber === order && FIELD in w.fields);

      /** Between runs, as other people would: overtake finished orders, queue follow-ups. */
      const meddle = (round: number) =>
        withOutbox((o) => {
          // Someone else changes our field right after our final value landed: a later run must
          // never write over it (the crash may have come before the outbox recorded 'done').
          for (const [order, values] of intended) {
            const n = Number(order.slice(-6));
            if (n % 7 !== 0 || overtaken.has(order)) continue;
            if (!clientWrites(order).some((w) => w.fields[FIELD] === values.at(-1))) continue;
            sim.writeAsOtherUser(COMPANY, order, { [FIELD]: `THEIRS-${n}` });
            overtaken.set(order, sim.writeLog.at(-1)!.seq);
            break;
          }
          // A person queues a second change to an order whose first one is finished.
          if (round % 4 === 0) {
            const done = o.db
              .prepare(`SELECT order_no FROM updates GROUP BY order_no HAVING sum(state <> 'done') = 0 ORDER BY max(id) LIMIT 40`)
              .all() as { order_no: string }[];
            const candidates = done.map((d) => d.order_no).filter((x) => Number(x.slice(-6)) % 7 !== 0);
            for (let k = 0; k < 2 && candidates.length; k++) enqueue(o, candidates.splice(Math.floor(rnd() * candidates.length), 1)[0]!);
          }
          // Keep work available until enough kills have landed.
          const c = o.counts();
          if (c.pending + c.sending < 5) for (let k = 0; k < 15; k++, nextOrder++) enqueue(o, orderNo(nextOrder));
        });

      const phases: Record<string, number> = {};
      const targeted: Record<string, number> = {};
      let kills = 0;
      let runs = 0;
      const deadline = Date.now() + 140_000;
      while (kills < KILLS) {
        if (Date.now() > deadline || runs > 400) throw new Error(`only ${kills} kills after ${runs} runs`);
        runs++;
        const r = rnd();
        const mode: Mode = r < 0.4 ? 'random' : PHASES[Math.floor((r - 0.4) / 0.15)]!;
        const skip = Math.floor(rnd() * 4);
        const delay = mode === 'random' ? 150 + Math.floor(rnd() * 700) : Math.floor(rnd() * 4);
        const t0 = Date.now();
        const run = await runChild(sim.url, dataDir, mode, skip, delay);
        if (process.env.TORTURE_DEBUG) process.stderr.write(`run ${mode} skip=${skip} delay=${delay} -> ${run.phase} killed=${run.killed} ${Date.now() - t0}ms\n`);
        expect(run.stderr).not.toMatch(/Error|notice/);
        if (run.killed) {
          expect(run.phase).not.toBe('hung');
          kills++;
          phases[run.phase] = (phases[run.phase] ?? 0) + 1;
          if (mode !== 'random') targeted[mode] = (targeted[mode] ?? 0) + 1;
        }
        meddle(runs);
      }

      // Let it finish in peace.
      const final = await runChild(sim.url, dataDir, 'never', 0, 0);
      expect(final.stderr).toBe('');
      expect(final.idle).toBe(true);

      const o = Outbox.open(file);
      try {
        expect(o.db.pragma('integrity_check', { simple: true })).toBe('ok');
        const counts = o.counts();
        const rows = o.db.prepare('SELECT order_no, state, fields FROM updates ORDER BY id').all() as { order_no: string; state: string; fields: string }[];
        // none lost: every update we queued is there and finished
        expect(rows.length).toBe(queued);
        expect(counts).toMatchObject({ pending: 0, sending: 0, failed: 0, held: 0 });
        for (const row of rows) {
          if (row.state === 'conflict') expect(overtaken.has(row.order_no), `${row.order_no} is a conflict`).toBe(true);
          else expect(row.state).toBe('done');
        }
        expect(counts.done + counts.conflict).toBe(queued);

        for (const [order, values] of intended) {
          const writes = clientWrites(order);
          // each of our values was written, in queue order, never an older one after a newer one
          const indexes = writes.map((w) => values.indexOf(String(w.fields[FIELD])));
          expect(indexes, `${order}: a client wrote a value we never queued`).not.toContain(-1);
          for (const v of values.keys()) expect(indexes, `${order}: value ${v + 1} never written`).toContain(v);
          expect(indexes, `${order}: an older value was re-applied over a newer one`).toEqual([...indexes].sort((a, b) => a - b));
          const theirs = overtaken.get(order);
          if (theirs !== undefined) {
            expect(writes.filter((w) => w.seq > theirs), `${order}: written over someone else's newer value`).toEqual([]);
            expect(sim.order(COMPANY, order)![FIELD]).toBe(`THEIRS-${Number(order.slice(-6))}`);
          } else {
            expect(sim.order(COMPANY, order)![FIELD], order).toBe(values.at(-1));
          }
        }
        const duplicates = [...intended.keys()].reduce((n, order) => n + clientWrites(order).length, 0) - [...intended.values()].reduce((n, v) => n + v.length, 0);
        const summary = {
          seed: SEED,
          runs: runs + 1,
          kills,
          killsByPhase: phases,
          targetedKills: targeted,
          updates: queued,
          orders: intended.size,
          overtaken: overtaken.size,
          conflicts: counts.conflict,
          writerWrites: sim.writeLog.filter((w) => w.by === 'writer').length,
          idempotentRewrites: duplicates,
          lost: 0,
        };
        console.log('crash torture:', JSON.stringify(summary));
        writeFigures('crash-torture', summary);
        for (const p of PHASES) expect(targeted[p] ?? 0, `no kill landed in ${p}`).toBeGreaterThan(0);
        expect(kills).toBeGreaterThanOrEqual(KILLS);
      } finally {
        o.close();
      }
    } finally {
      await sim.stop();
    }
  });
});
