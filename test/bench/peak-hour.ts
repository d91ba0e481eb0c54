/**
 * Peak hour, four clients side by side against the same seeded simulator, where other users
 * touch the same orders so a naive client sees about 15 % concurrency errors:
 *  (a) naive: PATCH with the ETag read when queued, no retry;
 *  (b) the seed answer 001 recipe: GET then PATCH with If-Match, retry 3× at 1 s / 2 s / 4 s;
 *  (c) the seed answer 000 recipe: field-level re-GET (only the changed field, compared with
 *      what the person saw), PATCH with If-Unmodified-Since, retry 3× at 0.5 s / 1.5 s / 4 s;
 *  (d) ours: the outbox + drainer.
 * Ground truth comes from the simulator's write log: a true conflict is another user writing
 * the field we change, after we read it and before our write landed.
 */
import { request } from 'undici';
import { D365Error, isD365Error } from '../../core/d365/errors.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import { drainRig, orderNo, type DrainRig } from './drain.ts';
import { figure, seconds, sleep, type Baseline, type Figure } from './common.ts';
import { checkUpdate } from '../../core/outbox/update-input.ts';

const FIELD = 'DeliveryModeCode';

export type PeakClient = 'naive' | 'seed001' | 'seed000' | 'ours';

export interface PeakRow {
  id: PeakClient;
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

interface Patches {
  total: number;
  concurrency: number;
}

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

const dataRequests = (r: DrainRig) => r.sim.requestLog.filter((e) => e.path.startsWith('/data')).length;

function judge(id: PeakClient, name: string, r: DrainRig, queued: Queued[], verdicts: Map<string, Verdict>, wall: number, requestsBefore: number, patches: Patches): PeakRow {
  const row: PeakRow = {
    id,
    client: name,
    updates: queued.length,
    applied: 0,
    trueConflicts: 0,
    trueConflictsSurfaced: 0,
    overwroteOthers: 0,
    wronglyFailed: 0,
    lost: 0,
    concurrencyErrorRate: patches.total ? patches.concurrency / patches.total : 0,
    requestsPerUpdate: (dataRequests(r) - requestsBefore) / queued.length,
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
async function baseline(id: PeakClient, name: string, n: number, seed: number, send: (r: DrainRig, q: Queued, patches: Patches) => Promise<Verdict>): Promise<PeakRow> {
  const r = await drainRig(simOptions(n, seed));
  try {
    const queued = await queue(r, n);
    const before = dataRequests(r);
    const verdicts = new Map<string, Verdict>();
    const patches = { total: 0, concurrency: 0 };
    const t = process.hrtime.bigint();
    for (const q of queued) verdicts.set(q.orderNumber, await send(r, q, patches));
    return judge(id, name, r, queued, verdicts, seconds(t), before, patches);
  } finally {
    await r.close();
  }
}

const naive = (n: number, seed: number) =>
  baseline('naive', 'naive: ETag from queue time, no retry', n, seed, async (r, q, patches) => {
    patches.total++;
    try {
      await r.client.patchOrder({ values: {}, etag: q.etag, url: r.client.orderUrl(q, []).split('?')[0]! }, { [FIELD]: q.ours }, 'naive');
      return 'applied';
    } catch (e) {
      if (isD365Error(e) && e.code === 'CONCURRENCY') patches.concurrency++;
      return 'failed';
    }
  });

const seed001 = (n: number, seed: number) =>
  baseline('seed001', 'seed answer 001: GET+PATCH, retry 3× at 1/2/4 s', n, seed, async (r, q, patches) => {
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

const SEED000_WAITS = [500, 1500, 4000];

/**
 * Seed answer 000's PATCH: guarded by If-Unmodified-Since (the time of its re-GET) instead of
 * If-Match. OData and F&O do not evaluate that header, so the write is unconditional: whatever
 * lands between the re-GET and the PATCH is overwritten.
 */
async function patchIfUnmodifiedSince(r: DrainRig, url: string, since: Date, fields: Record<string, string>): Promise<void> {
  const res = await request(url, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${await r.tokens.token()}`, 'content-type': 'application/json', 'if-unmodified-since': since.toUTCString(), 'odata-version': '4.0' },
    body: JSON.stringify(fields),
  });
  await res.body.text();
  if (res.statusCode === 412 || res.statusCode === 409) throw new D365Error('CONCURRENCY', `PATCH ${url}: ${res.statusCode}`, { status: res.statusCode });
  if (res.statusCode >= 300) throw new D365Error('SERVER', `PATCH ${url}: ${res.statusCode}`, { status: res.statusCode });
}

const seed000 = (n: number, seed: number) =>
  baseline('seed000', 'seed answer 000: field-level re-GET, If-Unmodified-Since, retry 3× at 0.5/1.5/4 s', n, seed, async (r, q, patches) => {
    for (let attempt = 0; attempt <= SEED000_WAITS.length; attempt++) {
      try {
        const readAt = new Date();
        const snap = await r.client.getOrder(q, [FIELD]);
        const theirs = String(snap.values[FIELD]);
        // Field-level change detection: only our field counts, compared with what the person saw.
        if (theirs === q.ours) return 'applied';
        if (theirs !== q.base) return 'conflict';
        patches.total++;
        await patchIfUnmodifiedSince(r, snap.url, readAt, { [FIELD]: q.ours });
        return 'applied';
      } catch (e) {
        if (!(e instanceof D365Error && e.code === 'CONCURRENCY')) return 'failed';
        patches.concurrency++;
        if (attempt < SEED000_WAITS.length) await sleep(SEED000_WAITS[attempt]!);
      }
    }
    return 'failed';
  });

async function ours(n: number, seed: number): Promise<PeakRow> {
  const r = await drainRig(simOptions(n, seed));
  try {
    const queued = await queue(r, n);
    const ids = r.outbox.transaction(() =>
      queued.map((q) => r.outbox.enqueue(checkUpdate({ company: 'USMF', orderNumber: q.orderNumber, fields: { [FIELD]: q.ours }, base: { [FIELD]: q.base }, source: 'form', queuedBy: 'bench' })).id),
    );
    const before = dataRequests(r);
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
    return judge('ours', 'ours: outbox + ETag retry engine ($batch)', r, queued, verdicts, wall, before, { total: patchCount, concurrency });
  } finally {
    await r.close();
  }
}

export async function benchPeakHour(n = 200, seed = 2026): Promise<PeakRow[]> {
  return [await naive(n, seed), await seed001(n, seed), await seed000(n, seed), await ours(n, seed)];
}

/** Every cell of the peak-hour table as a figure of its own, against the ground truth. */
export function peakFigures(rows: PeakRow[]): Figure[] {
  const out: Figure[] = [];
  const naiveRow = rows.find((r) => r.id === 'naive');
  for (const row of rows) {
    const updates: Baseline = { name: 'updates queued', value: row.updates, unit: 'updates', kind: 'truth' };
    const conflicts: Baseline = { name: 'true conflicts in the write log', value: row.trueConflicts, unit: 'updates', kind: 'truth' };
    const vsNaive = (value: number, unit: string): Baseline => ({ name: 'the naive client, same run', value, unit, kind: 'measured' });
    const p = `peak.${row.id}`;
    const who = row.client.split(':')[0];
    out.push(
      figure(`${p}.applied`, `peak hour, ${who}: applied`, row.applied, 'updates', updates),
      figure(`${p}.trueConflicts`, `peak hour, ${who}: true conflicts (write log)`, row.trueConflicts, 'updates', updates),
      figure(`${p}.surfaced`, `peak hour, ${who}: true conflicts surfaced to a person`, row.trueConflictsSurfaced, 'updates', conflicts, 'all'),
      figure(`${p}.overwrote`, `peak hour, ${who}: overwrote another user's change`, row.overwroteOthers, 'updates', conflicts, '0'),
      figure(`${p}.wronglyFailed`, `peak hour, ${who}: failed without a true conflict`, row.wronglyFailed, 'updates', updates, '0'),
      figure(`${p}.lost`, `peak hour, ${who}: lost (no outcome)`, row.lost, 'updates', updates, '0'),
      figure(`${p}.concurrencyErrorRate`, `peak hour, ${who}: concurrency errors per PATCH`, row.concurrencyErrorRate * 100, '%', vsNaive((naiveRow?.concurrencyErrorRate ?? NaN) * 100, '%')),
      figure(`${p}.requestsPerUpdate`, `peak hour, ${who}: data requests per update`, row.requestsPerUpdate, 'requests', vsNaive(naiveRow?.requestsPerUpdate ?? NaN, 'requests')),
      figure(`${p}.wallSeconds`, `peak hour, ${who}: wall time`, row.wallSeconds, 's', vsNaive(naiveRow?.wallSeconds ?? NaN, 's')),
    );
  }
  return out;
}
