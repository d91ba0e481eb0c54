/**
 * Journeys of issue 14 §2–3 in a real browser: searching the queue and the conflict log
 * (any case, anywhere, values too, with counts), and exporting the log as XLSX (dates on the
 * viewer's clock, text as typed) or finding that nothing matches (a message, no download).
 */
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFLICT_COLUMNS } from '../../core/conflicts/conflict-log.ts';
import { en } from '../../renderer/i18n/messages-en.ts';
import { startDemo, waitFor, type DemoPage } from './harness.ts';
import { demoSettled, go } from './screens.ts';

const ZONE = 'Europe/Berlin';
const HYPERLINK = '=HYPERLINK("http://evil.example","click")';
const wallClock = (iso: string) => {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, Number(x.value)]),
  ) as Record<string, number>;
  return new Date(Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!, Date.parse(iso) % 1000)).toISOString();
};

describe('search and exports, as a person uses them', () => {
  let demo: DemoPage;

  beforeAll(async () => {
    demo = await startDemo({ locale: 'en-US', timezoneId: ZONE });
    await demoSettled(demo);
    const sim = demo.sim();
    await demo.api.enqueue({ orderNumber: 'SO-2119999', fields: { SalesOrderName: 'Müller GmbH' }, base: null });
    await demo.api.enqueue({ orderNumber: 'SO-1150', fields: { CustomerRequisitionNumber: 'PO-77' }, base: null });
    // A true conflict whose values a spreadsheet would misread: someone else wrote ü ø 中 and a
    // phone number; ours looks like a formula.
    const base = sim.order('USMF', 'SO-000071')?.SalesOrderName ?? null;
    sim.writeAsOtherUser('USMF', 'SO-000071', { SalesOrderName: 'Müller ø 中 +1-555-0100' });
    await demo.api.enqueue({ orderNumber: 'SO-000071', fields: { SalesOrderName: HYPERLINK }, base: { SalesOrderName: base } });
    await waitFor('the new updates drained, one a conflict', async () => {
      const { counts } = await demo.api.status();
      return counts.conflict >= 2 && counts.pending + counts.sending === 0 ? true : undefined;
    }, 20_000);
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
  }, 30_000);

  it('the queue finds "so-1150", "119999" and "Müller" in any case, and says how many match', async () => {
    const page = demo.page;
    await go(page, '#/queue');
    await page.locator('.screen-queue tbody tr').first().waitFor();
    const box = page.getByLabel(en['queue.search']);
    const count = page.locator('.screen-queue .match-count');
    const orders = () => page.locator('.screen-queue tbody tr td:nth-child(2) strong').allTextContents();

    for (const [term, want] of [['so-1150', ['SO-1150']], ['119999', ['SO-2119999']], ['müller', ['SO-2119999']], ['MÜLLER gmbh', ['SO-2119999']]] as const) {
      await box.fill(term);
      await count.filter({ hasText: /^1 update matches$/ }).waitFor();
      await waitFor(`rows for ${term}`, async () => ((await orders()).join() === want.join() ? true : undefined));
    }
    await demo.shot('search-queue-mueller');

    // Many: the count is the agent's, the table fills page by page.
    await box.fill('so-0000');
    const agent = await demo.api.listUpdates({ search: 'so-0000', limit: 50 });
    expect(agent.matches!.count).toBeGreaterThanOrEqual(6);
    await count.filter({ hasText: new RegExp(`^${agent.matches!.count} updates match$`) }).waitFor();
    await box.fill('no such thing');
    await page.getByText('No order number or value contains “no such thing”').waitFor();
    await count.filter({ hasText: /^0 updates match$/ }).waitFor();
    // no search, no count (the state tabs count)
    await box.fill('');
    await waitFor('the count to go', async () => ((await count.textContent()) === '' ? true : undefined));
  }, 45_000);

  it('the conflict log’s Order filter finds values too, in any case, with a count', async () => {
    const page = demo.page;
    await go(page, '#/log');
    await page.locator('.conflict-table tbody tr').first().waitFor();
    const filter = page.getByLabel(en['log.order']);
    await filter.fill('müller ø');
    await page.locator('.screen-log .match-count', { hasText: /^1 conflict matches$/ }).waitFor();
    await expect(page.locator('.conflict-table tbody tr').count()).resolves.toBe(1);
    await expect(page.locator('.conflict-table tbody tr').first().textContent()).resolves.toContain('SO-000071');
    await filter.fill('so-0000');
    const all = (await demo.api.listConflicts({ search: 'so-0000' })).length;
    expect(all).toBeGreaterThanOrEqual(2);
    await page.locator('.screen-log .match-count', { hasText: new RegExp(`^${all} conflicts match$`) }).waitFor();
    await demo.shot('search-conflict-log');
  }, 30_000);

  it('exports XLSX: dates on the viewer’s clock, our formula-looking value as plain text, ü ø 中 intact', async () => {
    const page = demo.page;
    await go(page, '#/log');
    await page.getByLabel(en['log.order']).fill('SO-000071');
    await page.locator('.screen-log .match-count', { hasText: /^1 conflict matches$/ }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: en['log.exportXlsx'] }).click()]);
    expect(download.suggestedFilename()).toMatch(/^outbox-conflicts-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(fs.readFileSync(await download.path()) as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('conflicts')!;
    expect((sheet.getRow(1).values as string[]).slice(1)).toEqual([...CONFLICT_COLUMNS]);
    expect(sheet.rowCount).toBe(2);
    const cell = (name: (typeof CONFLICT_COLUMNS)[number]) => sheet.getRow(2).getCell(CONFLICT_COLUMNS.indexOf(name) + 1);
    const [record] = await demo.api.listConflicts({ search: 'SO-000071' });
    expect(cell('orderNumber').value).toBe('SO-000071');
    expect(cell('ours').value).toBe(HYPERLINK);
    expect(cell('ours').type).toBe(ExcelJS.ValueType.String);
    expect(cell('theirs').value).toBe('Müller ø 中 +1-555-0100');
    expect(cell('detectedAt').type).toBe(ExcelJS.ValueType.Date);
    expect((cell('detectedAt').value as Date).toISOString()).toBe(wallClock(record!.detectedAt));
    expect(book.getWorksheet('export')!.getRow(2).values).toEqual([undefined, 'timeZone', ZONE]);
    await demo.shot('export-xlsx');
  }, 30_000);

  it('an export of nothing says "0 conflicts match" and downloads nothing', async () => {
    const page = demo.page;
    let downloads = 0;
    const count = () => downloads++;
    page.on('download', count);
    try {
      await go(page, '#/log');
      await page.getByLabel(en['log.order']).fill('nothing matches this');
      await page.getByText(en['log.noneFiltered']).waitFor();
      for (const button of ['log.exportCsv', 'log.exportJson', 'log.exportXlsx'] as const) {
        await page.getByRole('button', { name: en[button] }).click();
        await page.getByRole('status').filter({ hasText: en['log.exportNone'] }).waitFor();
        await page.getByRole('button', { name: en[button] }).and(page.locator(':enabled')).waitFor();
      }
      await demo.shot('export-nothing');
      expect(downloads).toBe(0);
    } finally {
      page.off('download', count);
    }
    expect(demo.pageErrors).toEqual([]);
  }, 30_000);
});
