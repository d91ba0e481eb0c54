import type { HourBucket } from '../../core/metrics.ts';

export interface HourOfDay {
  /** 0–23 in the viewer's time zone */
  hour: number;
  requests: number;
  concurrencyErrors: number;
  /** updates sent */
  successes: number;
  /** conflicts that needed a person */
  conflicts: number;
  /** concurrency errors per request; null without requests */
  retryRate: number | null;
  /** conflicts needing a person per update sent; null when nothing was sent */
  conflictRate: number | null;
}

/**
 * The agent counts by UTC hour; people think in their own day. Each UTC hour goes to the
 * viewer's hour of day it starts in (a zone 30 minutes off UTC puts 09:00 UTC at 14:30, so
 * into 14:00), then rates are taken over the summed counts, not averaged per day.
 */
export function ratesByHourOfDay(hours: readonly HourBucket[], hourOf: (epochMs: number) => number = (ms) => new Date(ms).getHours()): HourOfDay[] {
  const sums = Array.from({ length: 24 }, (_, hour) => ({ hour, requests: 0, concurrencyErrors: 0, successes: 0, conflicts: 0 }));
  for (const b of hours) {
    const s = sums[hourOf(b.start)]!;
    s.requests += b.requests;
    s.concurrencyErrors += b.concurrencyErrors;
    s.successes += b.successes;
    s.conflicts += b.conflicts;
  }
  return sums.map((s) => ({
    ...s,
    retryRate: s.requests ? s.concurrencyErrors / s.requests : null,
    conflictRate: s.successes ? s.conflicts / s.successes : null,
  }));
}

/** The hour with the most concurrency errors per request (the busiest for other users), if any had requests. */
export function busiestHour(rows: readonly HourOfDay[]): HourOfDay | null {
  let best: HourOfDay | null = null;
  for (const r of rows) if (r.retryRate !== null && (best === null || r.retryRate > best.retryRate!)) best = r;
  return best;
}
