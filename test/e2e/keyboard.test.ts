import fs from 'node:fs';
import type { FileChooser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../core/csv/csv.ts';
import { en } from '../../renderer/i18n/messages-en.ts';
import { startDemo, waitFor, type DemoPage } from './harness.ts';
import { demoSettled } from './screens.ts';

interface Focused {
  tag: string;
  name: string;
  role: string | null;
  id: string;
  updateId: string | null;
}

/** What has focus, named the way a screen reader would roughly say it. */
async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return { tag: 'NONE', name: '', role: null, id: '', updateId: null };
    const labelledBy = el.getAttribute('aria-labelledby');
    const name =
      el.getAttribute('aria-label') ??
      (labelledBy ? document.getElementById(labelledBy)?.textContent : null) ??
      (el instanceof HTMLInputElement && el.labels?.[0] ? el.labels[0].textContent : null) ??
      el.textContent ??
      '';
    return { tag: el.tagName, name: name.trim(), role: el.getAttribute('role'), id: el.id, updateId: el.getAttribute('data-update-id') };
  });
}

/** Presses Tab until `wanted` has focus; a person would not press it 40 times, and neither does the test. */
async function tabTo(page: Page, wanted: (f: Focused) => boolean, what: string, max = 40): Promise<number> {
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    expect(f.tag, `focus fell to <body> while tabbing to ${what}`).not.toBe('BODY');
    if (wanted(f)) return presses;
  }
  throw new Error(`${what} was not reached in ${max} Tabs (last: ${JSON.stringify(await focused(page))})`);
}

const named = (name: string | RegExp) => (f: Focused) => (typeof name === 'string' ? f.name === name : name.test(f.name));

async function expectFocus(page: Page, check: (f: Focused) => boolean, what: string): Promise<Focused> {
  let last: Focused | null = null;
  try {
    return await waitFor(`focus on ${what}`, async () => {
      last = await focused(page);
      return check(last) ? last : undefined;
    }, 5_000);
  } catch {
    throw new Error(`focus should be on ${what}, but is on ${JSON.stringify(last)}`);
  }
}

describe('keyboard only: queue, resolve, requeue, export, with no mouse', () => {
  let demo: DemoPage;

  beforeAll(async () => {
    demo = await startDemo({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    await demoSettled(demo);
    // A second conflict, so resolving one shows where focus goes next.
    await demo.api.pauseDrain();
    const current = demo.sim().order('USMF', 'SO-000080')?.DeliveryModeCode ?? null;
    await demo.api.enqueue({ orderNumber: 'SO-000080', fields: { DeliveryModeCode: '40' }, base: { DeliveryModeCode: current } });
    demo.sim().writeAsOtherUser('USMF', 'SO-000080', { DeliveryModeCode: '50' });
    await demo.api.resumeDrain();
    await waitFor('two open conflicts', async () => ((await demo.api.status()).counts.conflict === 2 ? true : undefined), 15_000);
    await demo.page.reload();
    await demo.page.locator('.screen-queue tbody tr').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
  }, 30_000);

  it('skips to the content, and the state tabs follow the WAI-ARIA pattern', async () => {
    const page = demo.page;
    await page.keyboard.press('Tab');
    await expectFocus(page, named(en['app.skipToContent']), 'the skip link');
    await page.keyboard.press('Enter');
    await expectFocus(page, (f) => f.tag === 'H1' && f.name === en['nav.queue'], 'the Queue heading');

    await page.keyboard.press('Tab');
    await expectFocus(page, (f) => f.role === 'tab' && f.name.startsWith(en['state.all']), 'the All tab');
    await page.keyboard.press('ArrowRight');
    await expectFocus(page, (f) => f.role === 'tab' && f.name.startsWith(en['state.pending']), 'the Pending tab');
    await expect(page.getByRole('tab', { name: new RegExp(`^${en['state.pending']}`) }).getAttribute('aria-selected')).resolves.toBe('true');
    await page.keyboard.press('End');
    await expectFocus(page, (f) => f.role === 'tab' && f.name.startsWith(en['state.held']), 'the last tab');
    await page.keyboard.press('ArrowRight');
    await expectFocus(page, (f) => f.role === 'tab' && f.name.startsWith(en['state.all']), 'the first tab again (wrapping)');
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    await expectFocus(page, (f) => f.role === 'tab' && f.name.startsWith(en['state.all']), 'the first tab');
    // One Tab stop for the whole tab list: the next Tab leaves it.
    await page.keyboard.press('Tab');
    await expectFocus(page, named(en['queue.search']), 'the search box');
  }, 30_000);

  it('opens a row’s detail with Enter (focus on it) and closes it with Escape (focus back on the row)', async () => {
    const page = demo.page;
    // The All tab was chosen again just now: its rows are there before a person tabs to them.
    await page.locator('.screen-queue tbody tr').first().waitFor();
    await page.keyboard.press('Tab');
    const row = await expectFocus(page, (f) => f.tag === 'TR' && f.updateId !== null, 'the first row');
    await page.keyboard.press('Enter');
    await expectFocus(page, (f) => f.tag === 'H2' && f.name === `Update #${row.updateId}`, 'the detail heading');
    await demo.shot('keyboard-queue-detail');
    await page.keyboard.press('Escape');
    await page.locator('.detail').waitFor({ state: 'detached' });
    await expectFocus(page, (f) => f.tag === 'TR' && f.updateId === row.updateId, 'the row the detail came from');
  }, 30_000);

  it('lists the shortcuts on ?, and Escape gives focus back', async () => {
    const page = demo.page;
    const before = await focused(page);
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: en['shortcuts.title'] }).waitFor();
    await expectFocus(page, named(en['common.close']), 'the dialog’s Close button');
    await demo.shot('keyboard-shortcuts');
    await page.keyboard.press('Escape');
    await page.locator('dialog').waitFor({ state: 'detached' });
    await expectFocus(page, (f) => f.tag === before.tag && f.updateId === before.updateId, 'where it was before');
  }, 30_000);

  it('queues an update from the form', async () => {
    const page = demo.page;
    await page.keyboard.press('g');
    await page.keyboard.press('n');
    await expectFocus(page, named(en['form.order']), 'the order number');
    await page.keyboard.type('SO-000070');
    await page.keyboard.press('Enter');
    await expectFocus(page, named('New value 1'), 'the first value');
    await page.keyboard.type('Delivered');
    await page.keyboard.press('Enter');
    await page.getByText(/Queued #\d+ for USMF \/ SO-000070/).waitFor();
    await expectFocus(page, named(en['form.order']), 'the order number, ready for the next');
    await waitFor('SO-000070 to reach D365', () => (demo.sim().order('USMF', 'SO-000070')?.SalesOrderStatus === 'Delivered' ? true : undefined), 15_000);
  }, 30_000);

  it('imports a CSV through the file picker', async () => {
    const page = demo.page;
    // Listening first: Playwright only catches the picker once its interception is switched on.
    const chooser = new Promise<FileChooser>((resolve) => page.once('filechooser', resolve));
    // Out of the text box (shortcuts wait while a person types), onto the mode tabs.
    await page.keyboard.press('Shift+Tab');
    await expectFocus(page, (f) => f.role === 'tab' && f.name === en['new.single'], 'the One order tab');
    // The last tab (Scan sits between them).
    await page.keyboard.press('End');
    await expectFocus(page, (f) => f.role === 'tab' && f.name === en['new.bulk'], 'the Bulk tab');
    await tabTo(page, named(en['bulk.choose']), 'the file picker button');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles({ name: 'orders.csv', mimeType: 'text/csv', buffer: Buffer.from('order,company,CustomerRequisitionNumber\nSO-000071,USMF,PO-71\nSO-000072,USMF,PO-72\n') });
    await page.getByText('2 rows are ready to queue.').waitFor();
    await expectFocus(page, named(en['bulk.rows']), 'the rows that were read');
    await tabTo(page, named('Queue 2 updates'), 'the queue button');
    await page.keyboard.press('Enter');
    await page.getByText(/Queued 2 updates/).waitFor();
    // The button disabled itself while queueing; focus lands on what it did, not on <body>.
    await expectFocus(page, (f) => f.tag === 'DIV' && f.name.includes('Queued 2 updates'), 'the result');
    await waitFor('the CSV rows to reach D365', () => (demo.sim().order('USMF', 'SO-000072')?.CustomerRequisitionNumber === 'PO-72' ? true : undefined), 15_000);
  }, 30_000);

  it('resolves one conflict (focus goes to the next) and requeues the other with edited values (focus goes to “no conflicts”)', async () => {
    const page = demo.page;
    // Focus is on a button now, so the go-to shortcut works.
    await page.keyboard.press('g');
    await page.keyboard.press('c');
    await expectFocus(page, (f) => f.tag === 'H1' && f.name === en['nav.conflicts'], 'the Conflicts heading');
    const first = page.locator('article.conflict');
    const firstOrder = (await first.locator('h2').textContent())!.replace(/^USMF \/ /, '');
    await tabTo(page, named(en['conflict.keepMine']), 'Keep mine');
    await page.keyboard.press('Enter');
    await page.getByText(en['conflicts.resolved']).first().waitFor();
    const next = await expectFocus(page, (f) => f.tag === 'H2' && !f.name.includes(firstOrder), 'the next conflict’s heading');
    expect(next.name).toMatch(/SO-0000(07|80)/);

    await tabTo(page, named(en['conflict.edit']), 'Edit and requeue');
    await page.keyboard.press('Enter');
    await expectFocus(page, (f) => f.tag === 'INPUT' && f.name.startsWith('Value for '), 'the first value to edit');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(next.name.includes('SO-000080') ? '60' : '2027-03-01T12:00:00Z');
    await tabTo(page, named(en['conflict.requeue']), 'Requeue with these values', 5);
    await page.keyboard.press('Enter');
    await expectFocus(page, named(en['conflicts.none']), 'the “No conflicts waiting” note');
    await demo.shot('keyboard-conflicts-resolved');
    await waitFor('both conflicts resolved', async () => ((await demo.api.status()).counts.conflict === 0 ? true : undefined));
    if (next.name.includes('SO-000080')) await waitFor('the edited value in D365', () => (demo.sim().order('USMF', 'SO-000080')?.DeliveryModeCode === '60' ? true : undefined), 15_000);
  }, 45_000);

  it('exports the conflict log as CSV', async () => {
    const page = demo.page;
    await page.keyboard.press('g');
    await page.keyboard.press('l');
    await expectFocus(page, (f) => f.tag === 'H1' && f.name === en['nav.log'], 'the Conflict log heading');
    await page.locator('.conflict-table tbody tr').first().waitFor();
    await tabTo(page, named(en['log.exportCsv']), 'Export CSV');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const rows = [...readCsv(text)].map((r) => r.cells.join(','));
    expect(rows.some((r) => r.includes('SO-000080') && r.includes('DeliveryModeCode'))).toBe(true);
    expect(rows.some((r) => r.includes('SO-000007') && r.includes('RequestedShippingDate'))).toBe(true);
    await expectFocus(page, named(en['log.exportCsv']), 'the export button, still');
  }, 30_000);

  it('never needed the mouse, and logged no errors', () => {
    expect(demo.pageErrors).toEqual([]);
  });
});
