import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ratesByHourOfDay } from '../../renderer/conflict-log/hour-rates.ts';
import { en } from '../../renderer/i18n/messages-en.ts';
import { startDemo, waitFor, type DemoPage } from './harness.ts';
import { demoSettled, go } from './screens.ts';

/** Far from UTC and not a whole hour off it: a chart on the agent's clock or on UTC shows up wrong here. */
const ZONE = 'Asia/Kolkata';
const hourInZone = (ms: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: 'numeric', hourCycle: 'h23' }).format(ms));
const dayInZone = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(ms);
const pct = (v: number | null) => (v === null ? en['chart.noData'] : new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v));

describe('the conflict-rate chart', () => {
  let demo: DemoPage;

  beforeAll(async () => {
    demo = await startDemo({ locale: 'en-US', timezoneId: ZONE, viewport: { width: 1024, height: 900 } });
    await demoSettled(demo);
    // Other users edit unrelated fields just before two of four PATCHes: 412s the agent retries by itself.
    demo.sim().script(
      { kind: 'writer', method: 'PATCH', pathIncludes: 'SO-000091', fields: { CustomerRequisitionNumber: 'PO-OTHER-1' } },
      { kind: 'writer', method: 'PATCH', pathIncludes: 'SO-000093', fields: { CustomerRequisitionNumber: 'PO-OTHER-3' } },
    );
    for (const n of [91, 92, 93, 94]) await demo.api.enqueue({ orderNumber: `SO-0000${n}`, fields: { DeliveryModeCode: '30' }, base: null });
    await waitFor('the four updates sent', async () => ((await demo.api.status()).counts.done >= 9 ? true : undefined), 20_000);
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
  }, 30_000);

  it('draws both rates by the viewer’s hour of day, says the zone, and every value is on the page', async () => {
    const page = demo.page;
    await go(page, '#/log');
    await page.locator('.chart-note', { hasText: /^Hours in your time zone \(India Standard Time \(GMT\+05:30\)\)/ }).waitFor();
    const metrics = await demo.api.metrics({});
    const rows = ratesByHourOfDay(metrics.hours, hourInZone);
    const active = rows.filter((r) => r.requests > 0);
    expect(active.length).toBeGreaterThan(0);
    expect(active.reduce((n, r) => n + r.concurrencyErrors, 0)).toBeGreaterThanOrEqual(2);
    expect(active.reduce((n, r) => n + r.conflicts, 0)).toBeGreaterThanOrEqual(1);

    // Wait for the refresh that follows the drain, then compare every hour with the agent's counts.
    await waitFor('the chart to show the agent’s counts', async () => {
      const cell = await page.locator(`.hour-table tr[data-hour="${active[0]!.hour}"] td`).nth(1).textContent();
      return cell === String(active[0]!.requests) ? true : undefined;
    });
    for (const r of rows) {
      const cells = await page.locator(`.hour-table tr[data-hour="${r.hour}"] td`).allTextContents();
      expect(cells, `hour ${r.hour}`).toEqual([pct(r.retryRate), String(r.requests), String(r.concurrencyErrors), pct(r.conflictRate), String(r.successes), String(r.conflicts)]);
      for (const series of ['retryRate', 'conflictRate'] as const) {
        const label = await page.locator(`[data-series="${series}"] li[data-hour="${r.hour}"] .bar-value`).textContent();
        if (r[series] === null) expect(label).toBe('–');
        else expect(label).toMatch(/^\d+(\.\d)?%$/);
      }
    }
    await expect(page.locator('.chart-hours li').count()).resolves.toBe(24);
    await expect(page.locator('[data-series]').count()).resolves.toBe(2);
    await expect(page.getByTestId('chart-headline').textContent()).resolves.toMatch(/^Busiest hour .+ of requests hit a concurrency error; .+ of updates sent needed a person\.$/);
    await demo.shot('chart-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await demo.shot('chart-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  }, 45_000);

  it('applies the From and To filters to the chart', async () => {
    const page = demo.page;
    await go(page, '#/log');
    const tomorrow = dayInZone(Date.now() + 86_400_000);
    const yesterday = dayInZone(Date.now() - 86_400_000);
    const headline = page.getByTestId('chart-headline');

    await page.getByLabel(en['log.from']).fill(tomorrow);
    await headline.filter({ hasText: en['chart.headlineEmpty'] }).waitFor();
    await expect(page.locator('.bar-value:not(.bar-none)').count()).resolves.toBe(0);
    await page.locator('.chart-note', { hasText: /· from / }).waitFor();

    await page.getByLabel(en['log.from']).fill('');
    await page.getByLabel(en['log.to']).fill(yesterday);
    await headline.filter({ hasText: en['chart.headlineEmpty'] }).waitFor();

    await page.getByLabel(en['log.from']).fill(dayInZone(Date.now()));
    await page.getByLabel(en['log.to']).fill(dayInZone(Date.now()));
    await headline.filter({ hasText: /^Busiest hour/ }).waitFor();
    await expect(page.locator('.bar-value:not(.bar-none)').count()).resolves.toBeGreaterThan(0);
  }, 30_000);

  it('logged no script errors', () => {
    expect(demo.pageErrors).toEqual([]);
  });
});
