/**
 * The peak-hour bench against SAP CAP: other users really race the four clients (CAP's write
 * log shows their writes on the contested field), each row is judged from that log, and a
 * recipe that leans on something CAP does not do says so in its row instead of passing.
 * Small and busier than the bench (30 updates, more races) so conflicts happen in every run.
 */
import { describe, expect, it } from 'vitest';
import { judge, type PeakWrite } from './peak-hour.ts';
import { benchPeakHourCap } from './peak-hour-cap.ts';

describe('the peak-hour table against SAP CAP', () => {
  it('runs the four clients with CAP’s write log as ground truth, and names what CAP refused', async () => {
    const n = 30;
    const rows = await benchPeakHourCap(n, 11, { race: 0.2, sameField: 0.6 });
    expect(rows.map((r) => r.id)).toEqual(['naive', 'seed001', 'seed000', 'ours']);
    const [naive, seed001, seed000, ours] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    for (const r of rows) expect(r).toMatchObject({ updates: n, lost: 0 });

    // Other users got there first, on any field (412s for the naive client) and on ours.
    expect(naive.concurrencyErrorRate).toBeGreaterThan(0);
    expect(naive.wronglyFailed).toBeGreaterThan(0);
    expect(ours.trueConflicts).toBeGreaterThan(0);
    // A re-GET before each PATCH, without comparing with what the person saw, overwrites them.
    expect(seed001.overwroteOthers).toBeGreaterThan(0);

    // Ours: every true conflict to a person, everything else applied, nothing overwritten.
    expect(ours).toMatchObject({ overwroteOthers: 0, wronglyFailed: 0, trueConflictsSurfaced: ours.trueConflicts, applied: n - ours.trueConflicts });
    expect(ours.requestsPerUpdate).toBeLessThan(1); // $batch went through against CAP

    // CAP requires If-Match on an entity with an ETag: seed answer 000's PATCH never lands.
    expect(seed000.applied).toBe(0);
    expect(seed000.note).toMatch(/PATCHes answered 428 Precondition Required \(the server requires If-Match; If-Unmodified-Since is not evaluated\)/);
    expect(ours.note).toBeUndefined();
  }, 120_000);
});

describe('judging a client from the write log', () => {
  const q = (orderNumber: string, ours: string, baseSeq = 1) => ({ orderNumber, ours, baseSeq });
  const w = (seq: number, orderNumber: string, by: PeakWrite['by'], value: string, field = 'DeliveryModeCode'): PeakWrite => ({ seq, orderNumber, by, fields: { [field]: value } });
  const run = { wallSeconds: 1, requests: 8, patches: 4, concurrencyErrors: 1 };

  it('tells an overwrite, a surfaced conflict, a wrong failure and a lost update apart', () => {
    const writes = [
      w(1, 'SO-1', 'writer', '30'), // before we read: not a conflict
      w(2, 'SO-1', 'client', 'P1'),
      w(3, 'SO-2', 'writer', '40'),
      w(4, 'SO-2', 'client', 'P2'), // over their newer value
      w(5, 'SO-3', 'writer', '50'),
      w(6, 'SO-4', 'writer', 'Renamed', 'SalesOrderName'), // another field: noise
      w(7, 'SO-4', 'client', 'P4'),
    ];
    const queued = [q('SO-1', 'P1'), q('SO-2', 'P2'), q('SO-3', 'P3'), q('SO-4', 'P4'), q('SO-5', 'P5'), q('SO-6', 'P6')];
    const verdicts = new Map([
      ['SO-1', 'applied'],
      ['SO-2', 'applied'],
      ['SO-3', 'conflict'],
      ['SO-4', 'applied'],
      ['SO-5', 'failed'],
    ] as const);
    const row = judge('seed001', 'seed answer 001: x', writes, queued, verdicts, run);
    expect(row).toMatchObject({
      updates: 6,
      applied: 3,
      trueConflicts: 2,
      trueConflictsSurfaced: 1,
      overwroteOthers: 1,
      wronglyFailed: 1,
      lost: 1,
      concurrencyErrorRate: 0.25,
      requestsPerUpdate: 8 / 6,
    });
  });
});
