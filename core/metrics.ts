import type { Database } from 'better-sqlite3';

export interface HourCounters {
  requests: number;
  concurrencyErrors: number;
  retries: number;
  successes: number;
  conflicts: number;
  failures: number;
}

export interface MetricsSnapshot {
  /** index = local hour of day, 0–23 */
  byHour: (HourCounters & { hour: number; concurrencyRate: number })[];
  totals: HourCounters;
  retriesPerSuccess: number;
  concurrencyRate: number;
}

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
 * Counters by hour of day. Counted in memory and written in one small transaction at a
 * time, so measuring never costs the drain an fsync per request.
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
    const hour = new Date(this.now()).getHours();
    const c = this.pending.get(hour) ?? { ...ZERO };
    c[counter] += n;
    this.pending.set(hour, c);
  }

  flush(): void {
    if (this.pending.size === 0 || !this.db.open) return;
    const pending = this.pending;
    this.pending = new Map();
    const cols = Object.values(COLUMNS);
    const stmt = this.db.prepare(
      `INSERT INTO metrics_hourly (hour, ${cols.join(', ')}) VALUES (@hour, ${cols.map((c) => `@${c}`).join(', ')})
       ON CONFLICT (hour) DO UPDATE SET ${cols.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
    );
    this.db.transaction(() => {
      for (const [hour, c] of pending) {
        const params: Record<string, number> = { hour };
        for (const [k, col] of Object.entries(COLUMNS)) params[col] = c[k as keyof HourCounters];
        stmt.run(params);
      }
    })();
  }

  snapshot(): MetricsSnapshot {
    this.flush();
    const rows = this.db.prepare(`SELECT * FROM metrics_hourly`).all() as Record<string, number>[];
    const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, ...ZERO, concurrencyRate: 0 }));
    const totals = { ...ZERO };
    for (const r of rows) {
      const h = byHour[r.hour!]!;
      for (const [k, col] of Object.entries(COLUMNS)) {
        h[k as keyof HourCounters] = r[col] ?? 0;
        totals[k as keyof HourCounters] += r[col] ?? 0;
      }
      h.concurrencyRate = h.requests ? h.concurrencyErrors / h.requests : 0;
    }
    return {
      byHour,
      totals,
      retriesPerSuccess: totals.successes ? totals.retries / totals.successes : 0,
      concurrencyRate: totals.requests ? totals.concurrencyErrors / totals.requests : 0,
    };
  }

  /** The concurrency error rate measured at this hour of day (null until enough requests). */
  rateThisHour(minRequests = 20): number | null {
    const hour = new Date(this.now()).getHours();
    const row = this.db.prepare(`SELECT requests, concurrency_errors FROM metrics_hourly WHERE hour = ?`).get(hour) as
      | { requests: number; concurrency_errors: number }
      | undefined;
    const mem = this.pending.get(hour) ?? ZERO;
    const requests = (row?.requests ?? 0) + mem.requests;
    const errors = (row?.concurrency_errors ?? 0) + mem.concurrencyErrors;
    return requests >= minRequests ? errors / requests : null;
  }
}
