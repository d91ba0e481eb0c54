import { afterEach, describe, expect, it } from 'vitest';
import { isOutboxError } from '../../core/errors.ts';
import { Metrics } from '../../core/metrics.ts';
import { manualClock, openTestOutbox } from './outbox/fixtures.ts';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 10, 22, 14, 10); // 14:10 UTC

const zone = process.env.TZ;
afterEach(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

function setUp(start = T) {
  const clock = manualClock(start);
  const { outbox } = openTestOutbox();
  return { clock, outbox, metrics: new Metrics(outbox.db, clock.now) };
}

describe('Metrics', () => {
  it('counts by UTC hour: the last millisecond of an hour and the first of the next are two buckets', () => {
    const m = setUp(Date.UTC(2026, 10, 22, 8, 59, 59, 999));
    m.metrics.count('requests', 3);
    m.clock.tick(1);
    m.metrics.count('requests');
    m.metrics.count('successes');
    m.metrics.flush();
    expect(m.outbox.db.prepare('SELECT hour_start, requests, successes FROM metrics_by_hour ORDER BY hour_start').all()).toEqual([
      { hour_start: Date.UTC(2026, 10, 22, 8), requests: 3, successes: 0 },
      { hour_start: Date.UTC(2026, 10, 22, 9), requests: 1, successes: 1 },
    ]);
  });

  it('adds to what is stored: two flushes of one hour, and two agents on one file, sum up', () => {
    const m = setUp();
    const other = new Metrics(m.outbox.db, m.clock.now);
    m.metrics.count('retries', 2);
    m.metrics.flush();
    m.metrics.count('retries', 3);
    other.count('retries', 5);
    m.metrics.flush();
    other.flush();
    expect(m.metrics.snapshot().totals.retries).toBe(10);
  });

  it('a snapshot shows the asked range of hours, oldest first, flushed or not, with totals and rates', () => {
    const m = setUp();
    for (const [h, requests, errors, retries, successes] of [[10, 100, 10, 4, 20], [12, 50, 0, 0, 10], [14, 10, 5, 6, 2]] as const) {
      m.clock.set(Date.UTC(2026, 10, 22, h, 30));
      m.metrics.count('requests', requests);
      m.metrics.count('concurrencyErrors', errors);
      m.metrics.count('retries', retries);
      m.metrics.count('successes', successes);
      if (h !== 14) m.metrics.flush(); // the last hour only in memory
    }
    const all = m.metrics.snapshot();
    expect(all.hours.map((b) => b.start)).toEqual([Date.UTC(2026, 10, 22, 10), Date.UTC(2026, 10, 22, 12), Date.UTC(2026, 10, 22, 14)]);
    expect(all.totals).toEqual({ requests: 160, concurrencyErrors: 15, retries: 10, successes: 32, conflicts: 0, failures: 0 });
    expect(all.retriesPerSuccess).toBeCloseTo(10 / 32);
    expect(all.concurrencyRate).toBeCloseTo(15 / 160);
    // since: hours starting at or after; until: hours starting before
    const range = m.metrics.snapshot({ since: Date.UTC(2026, 10, 22, 12), until: Date.UTC(2026, 10, 22, 14) });
    expect(range.hours.map((b) => b.start)).toEqual([Date.UTC(2026, 10, 22, 12)]);
    expect(range.totals.requests).toBe(50);
    expect(m.metrics.snapshot({ since: Date.UTC(2026, 10, 22, 13) }).hours.map((b) => b.requests)).toEqual([10]);
  });

  it('byHour groups by the hour of day on the agent\'s clock, and an empty outbox has rates of 0', () => {
    process.env.TZ = 'America/New_York'; // UTC−5 in November
    const m = setUp(Date.UTC(2026, 10, 22, 14, 10));
    m.metrics.count('requests', 4);
    m.metrics.count('concurrencyErrors', 1);
    m.clock.set(Date.UTC(2026, 10, 23, 14, 50)); // the same hour of day, a day later
    m.metrics.count('requests', 4);
    const s = m.metrics.snapshot();
    expect(s.byHour).toHaveLength(24);
    expect(s.byHour[9]).toMatchObject({ hour: 9, requests: 8, concurrencyErrors: 1, concurrencyRate: 0.125 });
    expect(s.byHour.filter((h) => h.requests > 0)).toHaveLength(1);
    const empty = setUp().metrics.snapshot();
    expect([empty.retriesPerSuccess, empty.concurrencyRate, empty.byHour[0]!.concurrencyRate]).toEqual([0, 0, 0]);
  });

  it('a flush that fails keeps the counts (shown, and written once by the next flush) and throws the outbox\'s own error', () => {
    const m = setUp();
    m.metrics.count('requests', 7);
    m.outbox.db.pragma('query_only = ON');
    let code = '';
    try {
      m.metrics.flush();
    } catch (e) {
      code = isOutboxError(e) ? e.code : String(e);
    }
    expect(code).toBe('DB_READONLY');
    m.metrics.count('requests', 1);
    expect(m.metrics.snapshot().totals.requests).toBe(8);
    m.outbox.db.pragma('query_only = OFF');
    m.metrics.flush();
    m.metrics.flush();
    expect(m.outbox.db.prepare('SELECT sum(requests) AS n FROM metrics_by_hour').get()).toEqual({ n: 8 });
  });

  it('a flush with nothing counted, or after the database closed, writes nothing and does not throw', () => {
    const m = setUp();
    m.metrics.flush();
    expect(m.outbox.db.prepare('SELECT count(*) AS n FROM metrics_by_hour').get()).toEqual({ n: 0 });
    m.metrics.count('requests');
    m.outbox.close();
    expect(() => m.metrics.flush()).not.toThrow();
  });
});

describe('rateThisHour', () => {
  it('is null until enough requests were measured at this hour of day', () => {
    const m = setUp();
    m.metrics.count('requests', 19);
    m.metrics.count('concurrencyErrors', 19);
    expect(m.metrics.rateThisHour()).toBeNull();
    m.metrics.count('requests');
    expect(m.metrics.rateThisHour()).toBe(19 / 20);
    expect(m.metrics.rateThisHour(100)).toBeNull();
  });

  it('takes the same hour of day over the last 28 days, not other hours and nothing older', () => {
    const m = setUp();
    const start = Math.floor(T / HOUR) * HOUR;
    m.outbox.db
      .prepare('INSERT INTO metrics_by_hour (hour_start, requests, concurrency_errors) VALUES (?, ?, ?)')
      .run(start - 1 * 24 * HOUR, 40, 10);
    m.outbox.db.prepare('INSERT INTO metrics_by_hour (hour_start, requests, concurrency_errors) VALUES (?, 40, 30)').run(start - 27 * 24 * HOUR);
    m.outbox.db.prepare('INSERT INTO metrics_by_hour (hour_start, requests, concurrency_errors) VALUES (?, 1000, 1000)').run(start - 29 * 24 * HOUR);
    m.outbox.db.prepare('INSERT INTO metrics_by_hour (hour_start, requests, concurrency_errors) VALUES (?, 1000, 1000)').run(start - HOUR);
    expect(m.metrics.rateThisHour()).toBe(40 / 80);
  });

  // In a time zone half an hour off UTC (India, parts of Australia, Newfoundland) a UTC hour
  // spans two local hours: the counts of this very hour must still count for this hour.
  it('counts this hour\'s own requests in a time zone half an hour off UTC', () => {
    process.env.TZ = 'Asia/Kolkata'; // UTC+5:30: 14:40 UTC is 20:10, its hour began 19:30
    const m = setUp(Date.UTC(2026, 10, 22, 14, 40));
    m.metrics.count('requests', 40);
    m.metrics.count('concurrencyErrors', 10);
    expect(m.metrics.rateThisHour()).toBe(0.25);
  });
});
