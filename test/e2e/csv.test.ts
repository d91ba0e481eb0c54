import fs from 'node:fs';
import type { FileChooser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../core/csv/csv.ts';
import { en } from '../../renderer/i18n/messages-en.ts';
import { startDemo, waitFor, type DemoPage } from './harness.ts';
import { demoSettled, go } from './screens.ts';

/** Picks a file the way a person does: the button, then the browser's file chooser. */
async function pickFile(page: Page, name: string, bytes: Buffer): Promise<void> {
  const chooser = new Promise<FileChooser>((resolve) => page.once('filechooser', resolve));
  await page.getByRole('button', { name: en['bulk.choose'] }).click();
  await (await chooser).setFiles({ name, mimeType: 'text/csv', buffer: bytes });
}

describe('CSV the way Excel writes it', () => {
  let demo: DemoPage;

  beforeAll(async () => {
    demo = await startDemo();
    await demoSettled(demo);
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
  }, 30_000);

  async function openBulk(page: Page) {
    await go(page, '#/new');
    await page.getByRole('tab', { name: en['new.bulk'] }).click();
  }

  it('imports a semicolon-separated Windows-1252 file, saying how it read it', async () => {
    const page = demo.page;
    await openBulk(page);
    // Excel's "CSV (semicolon)" on a German Windows: ANSI bytes, ';', CRLF.
    const bytes = Buffer.from('order;company;SalesOrderName;CustomerRequisitionNumber\r\nSO-000044;USMF;Café Müller;PO-Größe-5\r\nSO-000045;USMF;Fabrikam Köln;\r\n', 'latin1');
    expect(bytes.includes(Buffer.from('é', 'utf8'))).toBe(false);
    await pickFile(page, 'Aufträge.csv', bytes);
    await page.getByText('Read as Windows-1252, separated by semicolon (;).').waitFor();
    await page.getByText('2 rows are ready to queue.').waitFor();
    const sample = page.getByRole('table', { name: en['bulk.rowsLabel'] });
    await sample.getByText('Café Müller').waitFor();
    await expect(page.getByLabel(en['bulk.rows']).inputValue()).resolves.toContain('PO-Größe-5');
    await demo.shot('csv-windows-1252-semicolon');
    await page.getByRole('button', { name: 'Queue 2 updates' }).click();
    await page.getByText(/Queued 2 updates/).waitFor();
    await waitFor('the rows in D365', () => (demo.sim().order('USMF', 'SO-000045')?.SalesOrderName === 'Fabrikam Köln' ? true : undefined), 15_000);
    expect(demo.sim().order('USMF', 'SO-000044')).toMatchObject({ SalesOrderName: 'Café Müller', CustomerRequisitionNumber: 'PO-Größe-5' });
  }, 45_000);

  it('reads the current values from D365 as the base when asked', async () => {
    const page = demo.page;
    await openBulk(page);
    const before = demo.sim().order('USMF', 'SO-000046')?.DeliveryModeCode ?? null;
    await pickFile(page, 'modes.csv', Buffer.from('order,DeliveryModeCode\nSO-000046,AIR\n'));
    await page.getByText(/Rows without base columns have no base/).waitFor();
    await page.getByRole('checkbox', { name: /Use the current values in D365 as the base/ }).check();
    await page.getByText(/a change someone makes later is a conflict/).waitFor();
    await page.getByRole('button', { name: 'Queue 1 update' }).click();
    await page.getByText(/Queued 1 update/).waitFor();
    const u = (await demo.api.listUpdates({ search: 'SO-000046' })).items[0]!;
    expect(u.base).toEqual({ DeliveryModeCode: before });
  }, 30_000);

  it('queues a long import with a running count, and Cancel keeps what was queued and says so', async () => {
    const page = demo.page;
    await demo.api.pauseDrain();
    try {
      const rows = 6000;
      const csv = `order,CustomerRequisitionNumber\n${Array.from({ length: rows }, (_, i) => `SO-${String(200_000 + i)},PO-LONG-${i}`).join('\n')}\n`;
      await openBulk(page);
      await pickFile(page, 'long.csv', Buffer.from(csv));
      await page.getByText('6,000 rows are ready to queue.').waitFor({ timeout: 20_000 });
      // Reading 6,000 current values takes D365 a while: time enough to change one's mind.
      await page.getByRole('checkbox', { name: /Use the current values in D365 as the base/ }).check();
      await page.getByRole('button', { name: 'Queue 6,000 updates' }).click();
      await page.getByText(/^Queued [\d,]+ of 6,000 rows…$/).waitFor();
      await demo.shot('csv-long-import-progress');
      await page.getByRole('button', { name: en['bulk.cancel'] }).click();
      const note = page.getByText(/^Import cancelled: ([\d,]+) of 6,000 rows were queued and stay in the queue; the other ([\d,]+) were not queued\./);
      await note.waitFor({ timeout: 60_000 });
      await demo.shot('csv-long-import-cancelled');
      const [, queuedText, restText] = /Import cancelled: ([\d,]+) of 6,000 rows were queued.*the other ([\d,]+) were not/.exec((await note.textContent())!)!;
      const queued = Number(queuedText!.replace(/,/g, ''));
      expect(queued + Number(restText!.replace(/,/g, ''))).toBe(rows);
      expect(queued).toBeGreaterThan(0);
      expect(queued).toBeLessThan(rows);
      expect(queued % 1000).toBe(0);
      // What the page says is what the agent holds.
      const imported = (await demo.api.listUpdates({ search: 'SO-2', limit: 1000 })).items.length;
      expect(imported).toBe(Math.min(queued, 1000));
      expect((await demo.api.status()).counts.pending).toBe(queued);

      // Going on queues the rest only, not the rows already in again.
      await page.getByRole('button', { name: `Queue the other ${restText} rows` }).click();
      const done = page.getByText(/^Queued 6,000 updates/);
      await done.waitFor({ timeout: 60_000 });
      expect(await done.textContent()).not.toContain('merged');
      expect((await demo.api.status()).counts.pending).toBe(rows);
    } finally {
      await demo.api.resumeDrain();
    }
  }, 120_000);

  it('offers a template CSV that the import reads', async () => {
    const page = demo.page;
    await openBulk(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: en['bulk.template'] }).click()]);
    expect(download.suggestedFilename()).toBe('outbox-import-template.csv');
    const body = fs.readFileSync(await download.path(), 'utf8');
    const header = [...readCsv(body)][0]!.cells;
    expect(header.slice(0, 2)).toEqual(['order', 'company']);
    const preview = await demo.api.previewImport({ csv: body });
    expect(preview.problems).toEqual([]);
    expect(preview.rows).toBeGreaterThan(0);
  }, 30_000);

  it('logged no script errors', () => {
    expect(demo.pageErrors).toEqual([]);
  });
});
