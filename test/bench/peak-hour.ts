/**
 * Peak hour, three clients side by side against the same seeded simulator, where other users
 * touch the same orders so a naive client sees about 15 % concurrency errors:
 *  (a) naive: PATCH with the ETag read when queued, no retry;
 *  (b) the seed answer 001 recipe: GET then PATCH, retry 3× at 1 s / 2 s / 4 s;
 *  (c) ours: the outbox + drainer.
 * Ground truth comes from the simulator's write log: a true conflict is another user writing
 * the field we change, after we read it and before our write landed.
 */
import { D365Error, isD365Error } from '../../core/d365/errors.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import { drainRig, orderNo, type DrainRig } from './drain.ts';
import { seconds } from './common.ts';
import { checkUpdate } from '../../core/outbox/update-input.ts';

const FIELD = 'DeliveryModeCode';

export interface PeakRow {
  client: string;
  updates: number;
  applied: number;
  trueConflicts: number;
  trueConflictsSurfaced: number;
  /** applied over another user's newer value of the same field, without anyone knowing */
  overwroteOthers: number;
  wronglyFailed: number;
  lost: number;
  concurrencyErrorRate: number;
  requestsPerUpdate: number;
  wallSeconds: number;
}

interface Queued {
  company: string;
  orderNumber: string;
  ours: string;
  base: string;
  etag: string;
  /** the simulator write-log position when we read the base */
  baseSeq: number;
}

type Verdict = 'applied' | 'conflict' | 'failed';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function simOptions(n: number, seed: number): SimulatorOptions {
  return {
    seed,
    orders: n,
    latencyMs: 2,
    writers: { onRequest: 0.15, sameFieldProbability: 0.15, contestedFields: [FIELD] },
  };
}

/** Every client first reads the orders at queue time, as a desk form does. */
async function queue(r: DrainRig, n: number): Promise<Queued[]> {
  const out: Queued[] = [];
  for (let i = 1; i <= n; i++) {
    const orderNumber = orderNo(i);
    const snap = await r.client.getOrder({ company: 'USMF', orderNumber }, [FIELD]);
    out.push({ company: 'USMF', orderNumber, ours: `PEAK-${i}`, base: String(snap.values[FIELD]), etag: snap.etag, baseSeq: r.sim.writeLog.at(-1)?.seq ?? 0 });
  }
  return out;
}

function judge(name: string, r: DrainRig, queued: Queued[], verdicts: Map<string, Verdict>, wall: number, requestsBefore: number, patches: { total: number; concurrency: number }): PeakRow {
  const row: PeakRow = {
    client: name,
    updates: queued.length,
    applied: 0,
    trueConflicts: 0,
    trueConflictsSurfaced: 0,
    overwroteOthers: 0,
    wronglyFailed: 0,
    lost: 0,
    concurrencyErrorRate: patches.total ? patches.concurrency / patches.total : 0,
    requestsPerUpdate: (r.sim.requestLog.filter((e) => e.path.startsWith('/data')).length - requestsBefore) / queued.length,
    wallSeconds: wall,
  };
  for (const q of queued) {
    const log = r.sim.writeLog.filter((w) => w.orderNumber === q.orderNumber && w.seq > q.baseSeq && FIELD in w.fields);
    const ourWrite = log.find((w) => w.by === 'client' && w.fields[FIELD] === q.ours);
    const theirs = log.filter((w) => w.by === 'writer' && w.fields[FIELD] !== q.ours && (!ourWrite || w.seq < ourWrite.seq));
    const trueConflict = theirs.length > 0;
    const verdict = verdicts.get(q.orderNumber);
    if (trueConflict) row.trueConflicts++;
    if (verdict === 'applied' && ourWrite) row.applied++;
    if (ourWrite && trueConflict) row.overwroteOthers++;
    if (verdict === 'conflict' && trueConflict) row.trueConflictsSurfaced++;
    if (verdict !== 'applied' && !trueConflict && verdict !== undefined) row.wronglyFailed++;
    if (verdict === undefined) row.lost++;
  }
  return row;
}

/** A client without an outbox: one send per queued update, serially, judged the same way. */
async function baseline(name: string, n: number, seed: number, send: (r: DrainRig, q: Queued, patches: { total: number; concurrency: number }) => Promise<Verdict>): Promise<PeakRow> {
  const r = await drainRig(name.split(':')[0]!, simOptions(n, seed));
  try {
    const queued = await queue(r, n);
    const before = r.sim.requestLog.filter((e) => e.path.startsWith('/data')).length;
    const verdicts = new Map<string, Verdict>();
    const patches = { total: 0, concurrency: 0 };
    const t = process.hrtime.bigint();
    for (const q of queued) verdicts.set(q.orderNumber, await send(r, q, patches));
    return judge(name, r, queued, verdicts, seconds(t), before, patches);
  } finally {
    await r.close();
  }
}

const naive = (n: number, seed: number) =>
  baseline('naive: ETag from queue time, no retry', n, seed, async (r, q, patches) => {
    patches.total++;
    try {
      await r.client.patchOrder({ values: {}, etag: q.etag, url: r.client.orderUrl(q, []).split('?')[0]! }, { [FIELD]: q.ours }, 'naive');
      return 'applied';
    } catch (e) {
      if (isD365Error(e) && e.code === 'CONCURRENCY') patches.concurrency++;
      return 'failed';
    }
  });

const recipe = (n: number, seed: number) =>
  baseline('seed answer 001: GET+PATCH, retry 3× at 1/2/4 s', n, seed, async (r, q, patches) => {
    for (let attempt = 0; attempt <= 3; attempt++) {
      try {
        const snap = await r.client.getOrder(q, [FIELD]);
        patches.total++;
        await r.client.patchOrder(snap, { [FIELD]: q.ours }, 'recipe');
        return 'applied';
      } catch (e) {
        if (!(e instanceof D365Error && e.code === 'CONCURRENCY')) return 'failed';
        patches.concurrency++;
        if (attempt < 3) await sleep(1000 * 2 ** attempt);
      }
    }
    return 'failed';
  });

async function ours(n: number, seed: number): Promise<PeakRow> {
  const r = await drainRig('ours', simOptions(n, seed));
  try {
    const queued = await queue(r, n);
    const ids = r.outbox.transaction(() =>
      queued.map((q) => r.outbox.enqueue(checkUpdate({ company: 'USMF', orderNumber: q.orderNumber, fields: { [FIELD]: q.ours }, base: { [FIELD]: q.base }, source: 'form', queuedBy: 'bench' })).id),
    );
    const before = r.sim.requestLog.filter((e) => e.path.startsWith('/data')).length;
    let concurrency = 0;
    r.events.subscribe((e) => {
      if (e.type === 'retrying') concurrency++;
    });
    const t = process.hrtime.bigint();
    // Passes that gave up wait for a later pass; drain until nothing is due, as a site would.
    await r.drainer.drainUntilIdle();
    const wall = seconds(t);
    const verdicts = new Map<string, Verdict>();
    ids.forEach((id, i) => {
      const u = r.outbox.get(id)!;
      const v: Verdict | undefined = u.state === 'done' ? 'applied' : u.state === 'conflict' ? 'conflict' : u.state === 'failed' ? 'failed' : undefined;
      if (v) verdicts.set(queued[i]!.orderNumber, v);
    });
    const patchCount = ids.reduce((sum, id) => sum + r.outbox.history(id).filter((h) => h.kind === 'sending' || h.kind === 'retrying').length, 0);
    return judge('ours: outbox + ETag retry engine ($batch)', r, queued, verdicts, wall, before, { total: patchCount, concurrency });
  } finally {
    await r.close();
  }
}

export async function benchPeakHour(n = 200, seed = 2026): Promise<PeakRow[]> {
  return [await naive(n, seed), await recipe(n, seed), await ours(n, seed)];
}
