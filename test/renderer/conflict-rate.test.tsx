// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { HourBucket, MetricsSnapshot } from '../../core/metrics.ts';
import { busiestHour, ratesByHourOfDay } from '../../renderer/conflict-log/hour-rates.ts';
import { MetricsPanel } from '../../renderer/conflict-log/MetricsPanel.tsx';
import { fakeApi } from './fake-api.ts';
import { TestProviders } from './providers.tsx';

afterEach(cleanup);

const HOUR = 3_600_000;
const zero = { requests: 0, concurrencyErrors: 0, retries: 0, successes: 0, conflicts: 0, failures: 0 };
const bucket = (start: number, c: Partial<HourBucket>): HourBucket => ({ start, ...zero, ...c });

/** Two days of the seeds' story: busy 14:00 (15 % of requests hit an error), a calm 09:00. */
function seedsDay(day: number): HourBucket[] {
  const at = (h: number) => Date.UTC(2026, 10, day, h);
  return [bucket(at(9), { requests: 100, concurrencyErrors: 1, successes: 99, conflicts: 0 }), bucket(at(14), { requests: 200, concurrencyErrors: 30, successes: 170, conflicts: 4 })];
}

describe('ratesByHourOfDay', () => {
  const utcHour = (ms: number) => new Date(ms).getUTCHours();

  it('sums the days, then takes each rate over the sums', () => {
    const rows = ratesByHourOfDay([...seedsDay(20), ...seedsDay(21), bucket(Date.UTC(2026, 10, 21, 14), { requests: 100, concurrencyErrors: 0, successes: 100 })], utcHour);
    expect(rows).toHaveLength(24);
    expect(rows[14]).toMatchObject({ requests: 500, concurrencyErrors: 60, successes: 440, conflicts: 8 });
    expect(rows[14]!.retryRate).toBeCloseTo(0.12);
    expect(rows[14]!.conflictRate).toBeCloseTo(8 / 440);
    expect(rows[9]!.retryRate).toBeCloseTo(0.01);
    expect(rows[3]).toMatchObject({ requests: 0, retryRate: null, conflictRate: null });
    expect(busiestHour(rows)?.hour).toBe(14);
  });

  it('puts each UTC hour in the viewer’s hour of day', () => {
    // India is UTC+5:30: 09:00 UTC starts at 14:30 there, so it counts for 14:00.
    const india = (ms: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: 'numeric', hourCycle: 'h23' }).format(ms));
    const rows = ratesByHourOfDay(seedsDay(20), india);
    expect(rows[14]).toMatchObject({ requests: 100, concurrencyErrors: 1 });
    expect(rows[19]).toMatchObject({ requests: 200, concurrencyErrors: 30 });
  });

  it('has no rate where nothing was asked or sent, instead of 0 %', () => {
    const rows = ratesByHourOfDay([bucket(Date.UTC(2026, 10, 20, 8), { requests: 3, concurrencyErrors: 3, successes: 0, conflicts: 1 })], utcHour);
    expect(rows[8]).toMatchObject({ retryRate: 1, conflictRate: null });
  });
});

function snapshot(hours: HourBucket[]): MetricsSnapshot {
  return { hours, byHour: [], totals: { ...zero }, retriesPerSuccess: 0, concurrencyRate: 0 };
}

describe('MetricsPanel', () => {
  it('writes both rates on every hour, labels all 24 hours, says the time zone, and has the table', () => {
    const hours = [...seedsDay(20), ...seedsDay(21)];
    render(
      <TestProviders api={fakeApi()}>
        <MetricsPanel metrics={snapshot(hours)} period="all recorded hours" />
      </TestProviders>,
    );
    const local = ratesByHourOfDay(hours);
    const busy = local.find((r) => r.requests === 400)!;
    expect(document.querySelector('.chart-note')!.textContent).toMatch(/^Hours in your time zone \(.*GMT.*\) · all recorded hours$/);

    const retries = document.querySelector('[data-series="retryRate"]')!;
    const conflicts = document.querySelector('[data-series="conflictRate"]')!;
    expect(retries.querySelectorAll('li')).toHaveLength(24);
    expect(retries.querySelector(`li[data-hour="${busy.hour}"] .bar-value`)!.textContent).toBe('15%');
    expect(conflicts.querySelector(`li[data-hour="${busy.hour}"] .bar-value`)!.textContent).toBe('2.4%');
    expect(retries.querySelector(`li[data-hour="${(busy.hour + 3) % 24}"] .bar-value`)!.textContent).toBe('–');
    expect(document.querySelectorAll('.chart-hours li')).toHaveLength(24);

    expect(screen.getByTestId('chart-headline').textContent).toMatch(/^Busiest hour .+: 15\.0% of requests hit a concurrency error; 2\.4% of updates sent needed a person\.$/);

    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(25);
    const row = table.querySelector(`tr[data-hour="${busy.hour}"]`)!;
    expect([...row.querySelectorAll('td')].map((c) => c.textContent)).toEqual(['15.0%', '400', '60', '2.4%', '340', '8']);
  });

  it('in German: decimal comma, German hour labels and words', () => {
    render(
      <TestProviders api={fakeApi()} language="de" browser={['de-DE']}>
        <MetricsPanel metrics={snapshot(seedsDay(20))} period="alle erfassten Stunden" />
      </TestProviders>,
    );
    expect(screen.getByTestId('chart-headline').textContent).toMatch(/^Stärkste Stunde .+: 15,0\s% der Anfragen/);
    expect([...document.querySelectorAll('.chart-hours li')].map((l) => l.textContent).slice(0, 3)).toEqual(['00', '01', '02']);
  });

  it('says so when nothing was sent in the period', () => {
    render(
      <TestProviders api={fakeApi()}>
        <MetricsPanel metrics={snapshot([])} period="from Dec 2, 2026" />
      </TestProviders>,
    );
    expect(screen.getByTestId('chart-headline').textContent).toBe('Nothing was sent in this period.');
  });
});
