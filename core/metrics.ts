import type { Database } from 'better-sqlite3';
import { translate } from './outbox/database.ts';

export interface HourCounters {
  requests: number;
  concurrencyErrors: number;
  retries: number;
  /** updates sent (done) */
  successes: number;
  /** conflicts that needed a person */
  conflicts: number;
  failures: number;
}

export interface HourBucket extends HourCounters {
  /** epoch ms of the start of a UTC hour */
  start: number;
}

export interface MetricsSnapshot {
  /** counters by UTC hour, oldest first, within the asked range: shown in the viewer's time zone */
  hours: HourBucket[];
  /** index = hour of day on the agent's clock, 0–23 */
  byHour: (HourCounters & { hour: number; concurrencyRate: number })[];
  totals: HourCounters;
  retriesPerSuccess: number;
  concurrencyRate: number;
}

export interface MetricsRange {
  /** epoch ms; hours starting at or after */
  since?: number;
  /** epoch ms; hours starting before */
  until?: number;
}

const HOUR = 3_600_000;
const ZERO: HourCounters = { requests: 0, concurrencyErrors: 0, retries: 0, successes: 0, conflicts: 0, failures: 0 };
const COLUMNS: Record<keyof HourCounters, string> = {
  requests: 'requests',
  concurrencyErrors: 'concurrency_errors',
  retries: 'retries',
  successes: 'successes',
  conflicts: 'conflicts',
  failures: 'failures',
};

/**
 * Counters by UTC hour. Counted in memory and written in one small transaction at a time, so
 * measuring never costs the drain an fsync per request. A failed write keeps the counts in
 * memory for the next flush and throws the outbox's own error (DB_FULL…).
 */
export class Metrics {
  private readonly db: Database;
  private readonly now: () => number;
  private pending = new Map<number, HourCounters>();

  constructor(db: Database, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
  }

  count(counter: keyof HourCounters, n = 1): void {
    const start = Math.floor(this.now() / HOUR) * HOUR;
    const c = this.pending.get(start) ?? { ...ZERO };
    c[counter] += n;
    this.pending.set(start, c);
  }

  flush(): void {
    if (this.pending.size === 0 || !this.db.open) return;
    const pending = this.pending;
    this.pending = new Map();
    const cols = Object.values(COLUMNS);
    try {
      const stmt = this.db.prepare(
        `INSERT INTO metrics_by_hour (hour_start, ${cols.join(', ')}) VALUES (@start, ${cols.map((c) => `@${c}`).join(', ')})
         ON CONFLICT (hour_start) DO UPDATE SET ${cols.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
      );
      this.db.transaction(() => {
        for (const [start, c] of pending) {
          const params: Record<string, number> = { start };
          for (const [k, col] of Object.entries(COLUMNS)) params[col] = c[k as keyof HourCounters];
          stmt.run(params);
        }
      })();
    } catch (e) {
      for (const [start, c] of pending) {
        const mine = this.pending.get(start) ?? { ...ZERO };
        for (const k of Object.keys(ZERO) as (keyof HourCounters)[]) mine[k] += c[k];
        this.pending.set(start, mine);
      }
      throw translate(e, this.db.name);
    }
  }

  snapshot(range: MetricsRange = {}): MetricsSnapshot {
    try {
      this.flush();
    } catch {
      // unwritten counts are still shown below
    }
    const rows = this.db
      .prepare(`SELECT * FROM metrics_by_hour WHERE hour_start >= ? AND hour_start < ? ORDER BY hour_start`)
      .all(range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER) as Record<string, number>[];
    const merged = new Map<number, HourBucket>();
    for (const r of rows) {
      const b: HourBucket = { start: r.hour_start!, ...ZERO };
      for (const [k, col] of Object.entries(COLUMNS)) b[k as keyof HourCounters] = r[col] ?? 0;
      merged.set(b.start, b);
    }
    for (const [start, c] of this.pending) {
      if (start < (range.since ?? 0) || start >= (range.until ?? Number.MAX_SAFE_INTEGER)) continue;
      const b = merged.get(start) ?? { start, ...ZERO };
      for (const k of Object.keys(ZERO) as (keyof HourCounters)[]) b[k] += c[k];
      merged.set(start, b);
    }
    const hours = [...merged.values()].sort((a, b) => a.start - b.start);
    const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, ...ZERO, concurrencyRate: 0 }));
    const totals = { ...ZERO };
    for (const b of hours) {
      const h = byHour[new Date(b.start).getHours()]!;
      for (const k of Object.keys(ZERO) as (keyof HourCounters)[]) {
        h[k] += b[k];
        totals[k] += b[k];
      }
    }
    for (const h of byHour) h.concurrencyRate = h.requests ? h.concurrencyErrors / h.requests : 0;
    return {
      hours,
      byHour,
      totals,
      retriesPerSuccess: totals.successes ? totals.retries / totals.successes : 0,
      concurrencyRate: totals.requests ? totals.concurrencyErrors / totals.requests : 0,
    };
  }

  /**
   * The concurrency error rate measured at this hour of day, over the last 28 days (null until
   * enough requests). Hours of day are UTC hours: the buckets are, and in a time zone half an
   * hour off UTC a local hour would straddle two of them.
   */
  rateThisHour(minRequests = 20): number | null {
    const now = this.now();
    const hourOfDay = new Date(now).getUTCHours();
    let requests = 0;
    let errors = 0;
    const add = (start: number, r: number, c: number) => {
      if (new Date(start).getUTCHours() !== hourOfDay) return;
      requests += r;
      errors += c;
    };
    const rows = this.db
      .prepare(`SELECT hour_start, requests, concurrency_errors FROM metrics_by_hour WHERE hour_start >= ?`)
      .all(now - 28 * 24 * HOUR) as { hour_start: number; requests: number; concurrency_errors: number }[];
    for (const r of rows) add(r.hour_start, r.requests, r.concurrency_errors);
    for (const [start, c] of this.pending) add(start, c.requests, c.concurrencyErrors);
    return requests >= minRequests ? errors / requests : null;
  }
}
