/**
 * Peak hour, four clients side by side against the same seeded server, where other users
 * touch the same orders so a naive client sees about 15 % concurrency errors:
 *  (a) naive: PATCH with the ETag read when queued, no retry;
 *  (b) the seed answer 001 recipe: GET then PATCH with If-Match, retry 3× at 1 s / 2 s / 4 s;
 *  (c) the seed answer 000 recipe: field-level re-GET (only the changed field, compared with
 *      what the person saw), PATCH with If-Unmodified-Since, retry 3× at 0.5 s / 1.5 s / 4 s;
 *  (d) ours: the outbox + drainer.
 * The server is a stage: the embedded simulator here, SAP CAP in peak-hour-cap.ts. Ground truth
 * comes from the stage's write log: a true conflict is another user writing the field we
 * change, after we read it and before our write landed.
 */
import { request } from 'undici';
import type { D365Client } from '../../core/d365/client.ts';
import { D365Error, isD365Error } from '../../core/d365/errors.ts';
import type { Drainer } from '../../core/engine/drainer.ts';
import type { EventBus } from '../../core/events.ts';
import type { Outbox } from '../../core/outbox/outbox.ts';
import { checkUpdate } from '../../core/outbox/update-input.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import { drainRig, orderNo } from './drain.ts';
import { figure, seconds, sleep, type Baseline, type Figure } from './common.ts';

export const PEAK_FIELD = 'DeliveryModeCode';
/** Other users write to the order before this share of the clients' requests… */
export const PEAK_RACE = 0.15;
/** …and this share of those writes hit the very field the clients change. */
export const PEAK_SAME_FIELD = 0.15;

export type PeakClient = 'naive' | 'seed001' | 'seed000' | 'ours';

export interface PeakRow {
  id: PeakClient;
  client: string;
  /** what this server did differently that the row's numbers depend on (absent when nothing) */
  note?: string;
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

/** One write the server applied, as both write logs (the simulator's, CAP's trigger) give it. */
export interface PeakWrite {
  seq: number;
  orderNumber: string;
  by: 'client' | 'writer';
  fields: Readonly<Record<string, unknown>>;
}

/**
 * Where one client runs: a server with other users on it, and the agent's parts wired to it.
 * Every client gets a stage of its own, with the same seed.
 */
export interface PeakStage {
  /** the orders this client's updates go to, all holding the same seeded values */
  orders: readonly string[];
  client: D365Client;
  outbox: Outbox;
  drainer: Drainer;
  events: EventBus;
  /** the agent's bearer token, for a request a recipe builds by hand */
  token(): Promise<string>;
  /** awaited before a hand-built request leaves, so other users may act first, as they do before the client's own */
  beforeHandBuilt(orderNumber: string): Promise<void>;
  /** data requests (not token requests) the clients sent so far, hand-built ones included */
  dataRequests(): number;
  /** the write log's last seq (0 when empty) */
  lastSeq(): Promise<number>;
  writes(): Promise<readonly PeakWrite[]>;
  /** a drain of the outbox, bounded: throws with the reason if it stalls */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export type StageFactory = (client: PeakClient) => Promise<PeakStage>;

interface Queued {
  company: string;
  orderNumber: string;
  ours: string;
  base: string;
  etag: string;
  /** the write-log position when we read the base */
  baseSeq: number;
}

type Verdict = 'applied' | 'conflict' | 'failed';

interface Patches {
  total: number;
  concurrency: number;
  /** PATCH answers other than 2xx and the concurrency errors, by status */
  refused: Map<number, number>;
}

/** Every client first reads the orders at queue time, as a desk form does. */
async function queue(s: PeakStage): Promise<Queued[]> {
  const out: Queued[] = [];
  for (const [i, orderNumber] of s.orders.entries()) {
    const snap = await s.client.getOrder({ company: 'USMF', orderNumber }, [PEAK_FIELD]);
    out.push({ company: 'USMF', orderNumber, ours: `PEAK-${i + 1}`, base: String(snap.values[PEAK_FIELD]), etag: snap.etag, baseSeq: await s.lastSeq() });
  }
  return out;
}

/** Each client's outcomes against the write log: what happened, whatever the client believes. */
export function judge(
  id: PeakClient,
  name: string,
  writes: readonly PeakWrite[],
  queued: readonly Pick<Queued, 'orderNumber' | 'ours' | 'baseSeq'>[],
  verdicts: ReadonlyMap<string, Verdict>,
  run: { wallSeconds: number; requests: number; patches: number; concurrencyErrors: number },
): PeakRow {
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
    concurrencyErrorRate: run.patches ? run.concurrencyErrors / run.patches : 0,
    requestsPerUpdate: run.requests / queued.length,
    wallSeconds: run.wallSeconds,
  };
  const byOrder = new Map<string, PeakWrite[]>();
  for (const w of writes) if (PEAK_FIELD in w.fields) byOrder.set(w.orderNumber, [...(byOrder.get(w.orderNumber) ?? []), w]);
  for (const q of queued) {
    const log = (byOrder.get(q.orderNumber) ?? []).filter((w) => w.seq > q.baseSeq);
    const ourWrite = log.find((w) => w.by === 'client' && w.fields[PEAK_FIELD] === q.ours);
    const theirs = log.filter((w) => w.by === 'writer' && w.fields[PEAK_FIELD] !== q.ours && (!ourWrite || w.seq < ourWrite.seq));
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

/** What the server answered that the recipe did not expect, in the row's own words. */
function refusedNote(patches: Patches): string | undefined {
  if (patches.refused.size === 0) return undefined;
  const parts = [...patches.refused].map(([status, n]) => `${n} of ${patches.total} PATCHes answered ${status}${status === 428 ? ' Precondition Required (the server requires If-Match; If-Unmodified-Since is not evaluated)' : ''}`);
  return parts.join('; ');
}

/** A client without an outbox: one send per queued update, serially, judged the same way. */
async function baseline(stage: StageFactory, id: PeakClient, name: string, send: (s: PeakStage, q: Queued, patches: Patches) => Promise<Verdict>): Promise<PeakRow> {
  const s = await stage(id);
  try {
    const queued = await queue(s);
    const before = s.dataRequests();
    const verdicts = new Map<string, Verdict>();
    const patches: Patches = { total: 0, concurrency: 0, refused: new Map() };
    const t = process.hrtime.bigint();
    for (const q of queued) verdicts.set(q.orderNumber, await send(s, q, patches));
    const wallSeconds = seconds(t);
    const row = judge(id, name, await s.writes(), queued, verdicts, { wallSeconds, requests: s.dataRequests() - before, patches: patches.total, concurrencyErrors: patches.concurrency });
    const note = refusedNote(patches);
    return note ? { ...row, note } : row;
  } finally {
    await s.close();
  }
}

function refused(patches: Patches, e: unknown): void {
  const status = isD365Error(e) ? e.status : null;
  if (status !== null) patches.refused.set(status, (patches.refused.get(status) ?? 0) + 1);
}

const naive = (stage: StageFactory) =>
  baseline(stage, 'naive', 'naive: ETag from queue time, no retry', async (s, q, patches) => {
    patches.total++;
    try {
      await s.client.patchOrder({ values: {}, etag: q.etag, url: s.client.orderUrl(q, []).split('?')[0]! }, { [PEAK_FIELD]: q.ours }, 'naive');
      return 'applied';
    } catch (e) {
      if (isD365Error(e) && e.code === 'CONCURRENCY') patches.concurrency++;
      else refused(patches, e);
      return 'failed';
    }
  });

/** A seed answer's retry: one try, and one more after each wait while the answer is a concurrency error. */
async function retryingOnConcurrency(patches: Patches, waits: readonly number[], attempt: () => Promise<Verdict>): Promise<Verdict> {
  for (let i = 0; i <= waits.length; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof D365Error && e.code === 'CONCURRENCY')) {
        refused(patches, e);
        return 'failed';
      }
      patches.concurrency++;
      if (i < waits.length) await sleep(waits[i]!);
    }
  }
  return 'failed';
}

const seed001 = (stage: StageFactory) =>
  baseline(stage, 'seed001', 'seed answer 001: GET+PATCH, retry 3× at 1/2/4 s', (s, q, patches) =>
    retryingOnConcurrency(patches, [1000, 2000, 4000], async () => {
      const snap = await s.client.getOrder(q, [PEAK_FIELD]);
      patches.total++;
      await s.client.patchOrder(snap, { [PEAK_FIELD]: q.ours }, 'recipe');
      return 'applied';
    }),
  );

const SEED000_WAITS = [500, 1500, 4000];

/**
 * Seed answer 000's PATCH: guarded by If-Unmodified-Since (the time of its re-GET) instead of
 * If-Match. OData and F&O do not evaluate that header, so where a server takes a PATCH without
 * If-Match the write is unconditional: whatever lands between the re-GET and the PATCH is
 * overwritten. A server that requires If-Match refuses it (428).
 */
async function patchIfUnmodifiedSince(s: PeakStage, orderNumber: string, url: string, since: Date, fields: Record<string, string>): Promise<void> {
  await s.beforeHandBuilt(orderNumber);
  const res = await request(url, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${await s.token()}`, 'content-type': 'application/json', 'if-unmodified-since': since.toUTCString(), 'odata-version': '4.0' },
    body: JSON.stringify(fields),
  });
  await res.body.text();
  if (res.statusCode === 412 || res.statusCode === 409) throw new D365Error('CONCURRENCY', `PATCH ${url}: ${res.statusCode}`, { status: res.statusCode });
  if (res.statusCode >= 300) throw new D365Error('SERVER', `PATCH ${url}: ${res.statusCode}`, { status: res.statusCode });
}

const seed000 = (stage: StageFactory) =>
  baseline(stage, 'seed000', 'seed answer 000: field-level re-GET, If-Unmodified-Since, retry 3× at 0.5/1.5/4 s', (s, q, patches) =>
    retryingOnConcurrency(patches, SEED000_WAITS, async () => {
      const readAt = new Date();
      const snap = await s.client.getOrder(q, [PEAK_FIELD]);
      const theirs = String(snap.values[PEAK_FIELD]);
      // Field-level change detection: only our field counts, compared with what the person saw.
      if (theirs === q.ours) return 'applied';
      if (theirs !== q.base) return 'conflict';
      patches.total++;
      await patchIfUnmodifiedSince(s, q.orderNumber, snap.url, readAt, { [PEAK_FIELD]: q.ours });
      return 'applied';
    }),
  );

async function ours(stage: StageFactory): Promise<PeakRow> {
  const s = await stage('ours');
  try {
    const queued = await queue(s);
    const ids = s.outbox.transaction(() =>
      queued.map((q) => s.outbox.enqueue(checkUpdate({ company: 'USMF', orderNumber: q.orderNumber, fields: { [PEAK_FIELD]: q.ours }, base: { [PEAK_FIELD]: q.base }, source: 'form', queuedBy: 'bench' })).id),
    );
    const before = s.dataRequests();
    let concurrency = 0;
    s.events.subscribe((e) => {
      if (e.type === 'retrying') concurrency++;
    });
    const t = process.hrtime.bigint();
    // Passes that gave up wait for a later pass; drain until nothing is due, as a site would.
    await s.drain();
    const wallSeconds = seconds(t);
    const verdicts = new Map<string, Verdict>();
    ids.forEach((id, i) => {
      const u = s.outbox.get(id)!;
      const v: Verdict | undefined = u.state === 'done' ? 'applied' : u.state === 'conflict' ? 'conflict' : u.state === 'failed' ? 'failed' : undefined;
      if (v) verdicts.set(queued[i]!.orderNumber, v);
    });
    const patches = ids.reduce((sum, id) => sum + s.outbox.history(id).filter((h) => h.kind === 'sending' || h.kind === 'retrying').length, 0);
    return judge('ours', 'ours: outbox + ETag retry engine ($batch)', await s.writes(), queued, verdicts, { wallSeconds, requests: s.dataRequests() - before, patches, concurrencyErrors: concurrency });
  } finally {
    await s.close();
  }
}

/** The four clients, one after the other, each on a stage of its own. */
export async function peakHourOn(stage: StageFactory): Promise<PeakRow[]> {
  return [await naive(stage), await seed001(stage), await seed000(stage), await ours(stage)];
}

function simOptions(n: number, seed: number): SimulatorOptions {
  return {
    seed,
    orders: n,
    latencyMs: 2,
    writers: { onRequest: PEAK_RACE, sameFieldProbability: PEAK_SAME_FIELD, contestedFields: [PEAK_FIELD] },
  };
}

/** The embedded simulator, started afresh with the same seed for each client; its writers act inside it. */
export function simulatorStage(n: number, seed: number): StageFactory {
  return async () => {
    const r = await drainRig(simOptions(n, seed));
    return {
      orders: Array.from({ length: n }, (_, i) => orderNo(i + 1)),
      client: r.client,
      outbox: r.outbox,
      drainer: r.drainer,
      events: r.events,
      token: () => r.tokens.token(),
      // its writers act inside the server, before every request whoever built it
      beforeHandBuilt: async () => {},
      // its request log has the hand-built requests too
      dataRequests: () => r.sim.requestLog.filter((e) => e.path.startsWith('/data')).length,
      lastSeq: async () => r.sim.writeLog.at(-1)?.seq ?? 0,
      writes: async () => r.sim.writeLog,
      drain: async () => {
        await r.drainer.drainUntilIdle();
      },
      close: () => r.close(),
    };
  };
}

export function benchPeakHour(n = 200, seed = 2026): Promise<PeakRow[]> {
  return peakHourOn(simulatorStage(n, seed));
}

/** Every cell of the peak-hour table as a figure of its own, against the ground truth. */
export function peakFigures(rows: PeakRow[], prefix = 'peak', where = 'peak hour'): Figure[] {
  const out: Figure[] = [];
  const naiveRow = rows.find((r) => r.id === 'naive');
  for (const row of rows) {
    const updates: Baseline = { name: 'updates queued', value: row.updates, unit: 'updates', kind: 'truth' };
    const conflicts: Baseline = { name: 'true conflicts in the write log', value: row.trueConflicts, unit: 'updates', kind: 'truth' };
    const vsNaive = (value: number, unit: string): Baseline => ({ name: 'the naive client, same run', value, unit, kind: 'measured' });
    const p = `${prefix}.${row.id}`;
    const who = row.client.split(':')[0];
    out.push(
      figure(`${p}.applied`, `${where}, ${who}: applied`, row.applied, 'updates', updates),
      figure(`${p}.trueConflicts`, `${where}, ${who}: true conflicts (write log)`, row.trueConflicts, 'updates', updates),
      figure(`${p}.surfaced`, `${where}, ${who}: true conflicts surfaced to a person`, row.trueConflictsSurfaced, 'updates', conflicts, 'all'),
      figure(`${p}.overwrote`, `${where}, ${who}: overwrote another user's change`, row.overwroteOthers, 'updates', conflicts, '0'),
      figure(`${p}.wronglyFailed`, `${where}, ${who}: failed without a true conflict`, row.wronglyFailed, 'updates', updates, '0'),
      figure(`${p}.lost`, `${where}, ${who}: lost (no outcome)`, row.lost, 'updates', updates, '0'),
      figure(`${p}.concurrencyErrorRate`, `${where}, ${who}: concurrency errors per PATCH`, row.concurrencyErrorRate * 100, '%', vsNaive((naiveRow?.concurrencyErrorRate ?? NaN) * 100, '%')),
      figure(`${p}.requestsPerUpdate`, `${where}, ${who}: data requests per update`, row.requestsPerUpdate, 'requests', vsNaive(naiveRow?.requestsPerUpdate ?? NaN, 'requests')),
      figure(`${p}.wallSeconds`, `${where}, ${who}: wall time`, row.wallSeconds, 's', vsNaive(naiveRow?.wallSeconds ?? NaN, 's')),
    );
  }
  return out;
}
