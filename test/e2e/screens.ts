import type { Page } from 'playwright-core';
import type { Catalogue } from '../../renderer/i18n/messages-en.ts';
import type { DemoPage } from './harness.ts';

/** One state of the UI a person can be looking at. */
export interface ScreenState {
  name: string;
  /** brings the page into this state and waits until it shows */
  open(page: Page): Promise<void>;
  /** leaves the state, so the next one starts from a plain screen */
  leave?(page: Page): Promise<void>;
}

export const go = (page: Page, hash: string) => page.evaluate((h) => (window.location.hash = h), hash);

/** The demo has drained its six updates: five done, one a conflict for a person. */
export async function demoSettled(demo: DemoPage): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    const { counts } = await demo.api.status();
    if (counts.done >= 5 && counts.conflict >= 1 && counts.pending + counts.sending === 0) return;
    if (Date.now() > end) throw new Error(`the demo did not settle: ${JSON.stringify(counts)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** A failed update to look at (D365 refused it), made once per demo. */
async function ensureFailed(demo: DemoPage): Promise<number> {
  const failed = (await demo.api.listUpdates({ state: 'failed', limit: 100 })).items.find((u) => u.lastError?.code !== 'CANCELLED');
  if (failed) return failed.id;
  demo.sim().script({ kind: 'status', status: 400, method: 'PATCH', pathIncludes: 'SO-000096', body: JSON.stringify({ error: { code: 'BadRequest', message: 'Delivery mode ZZ is not valid for customer US-027' } }) });
  const { id } = await demo.api.enqueue({ orderNumber: 'SO-000096', fields: { DeliveryModeCode: 'ZZ' }, base: null });
  const end = Date.now() + 15_000;
  while ((await demo.api.getUpdate({ id })).update.state !== 'failed') {
    if (Date.now() > end) throw new Error('the tour’s failed update did not fail');
    await new Promise((r) => setTimeout(r, 100));
  }
  return id;
}

/** A second open conflict, so the conflicts screen offers to decide many at once. */
async function ensureTwoConflicts(demo: DemoPage): Promise<void> {
  if ((await demo.api.status()).counts.conflict >= 2) return;
  await demo.api.pauseDrain();
  const current = demo.sim().order('USMF', 'SO-000095')?.DeliveryModeCode ?? null;
  await demo.api.enqueue({ orderNumber: 'SO-000095', fields: { DeliveryModeCode: '40' }, base: { DeliveryModeCode: current } });
  demo.sim().writeAsOtherUser('USMF', 'SO-000095', { DeliveryModeCode: '50' });
  await demo.api.resumeDrain();
  const end = Date.now() + 15_000;
  while ((await demo.api.status()).counts.conflict < 2) {
    if (Date.now() > end) throw new Error('the tour’s second conflict did not arrive');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Excel's "CSV (semicolon)" on a German Windows: ANSI bytes. */
const EXCEL_CSV = Buffer.from('order;company;SalesOrderName\r\nSO-000094;USMF;Café Müller\r\n', 'latin1');

const BAD_ROWS = 'order\tcompany\tCustomerRequisitionNumber\nSO-000060\tUSMF\tPO-60\n\tUSMF\tPO-61\nSO-000062\tUSMF\tPO-62\textra';

/**
 * Every screen and the states that show more of it (an open detail, import problems, the
 * shortcuts dialog, the page without its token), driven by the accessible names of the
 * language on screen, so the same tour runs in English and in German.
 */
export function everyScreen(words: Catalogue, demo: DemoPage): ScreenState[] {
  return [
    {
      name: 'queue',
      open: async (page) => {
        await go(page, '#/queue');
        await page.locator('.screen-queue tbody tr').first().waitFor();
      },
    },
    {
      name: 'queue-detail',
      open: async (page) => {
        await go(page, '#/queue');
        await page.locator('.screen-queue tbody tr').first().click();
        await page.locator('.detail .history li').first().waitFor();
        await page.getByRole('button', { name: words['history.technical'] }).click();
        await page.locator('.detail .history-detail').first().waitFor();
      },
      leave: async (page) => {
        await page.keyboard.press('Escape');
        await page.locator('.detail').waitFor({ state: 'detached' });
      },
    },
    {
      name: 'new-update',
      open: async (page) => {
        await go(page, '#/new');
        await page.getByLabel(words['form.order']).waitFor();
      },
    },
    {
      name: 'failed-detail-cancel',
      open: async (page) => {
        const id = await ensureFailed(demo);
        await go(page, '#/queue/failed');
        await page.locator(`tr[data-update-id="${id}"]`).click();
        await page.locator('.detail .note-warning').waitFor();
        await page.getByRole('button', { name: words['detail.cancel'] }).click();
        await page.getByRole('button', { name: words['detail.cancelNo'] }).waitFor();
      },
      leave: async (page) => {
        await page.getByRole('button', { name: words['detail.cancelNo'] }).click();
        await page.keyboard.press('Escape');
        await page.locator('.detail').waitFor({ state: 'detached' });
      },
    },
    {
      name: 'scan',
      open: async (page) => {
        await go(page, '#/new');
        await page.getByRole('tab', { name: words['new.scan'] }).click();
        await page.getByLabel(words['form.fieldName'].replace('{n}', '1'), { exact: true }).fill('CustomerRequisitionNumber');
        await page.getByLabel(words['form.newValue'].replace('{n}', '1'), { exact: true }).fill('PO-TOUR');
        const box = page.getByLabel(words['form.order'], { exact: true });
        await box.focus();
        await page.keyboard.type('SO-000093', { delay: 8 });
        await page.keyboard.press('Enter');
        await page.locator('.scan-list li.scan-queued').first().waitFor();
        // And one the desk forgot the value for.
        await page.getByLabel(words['form.newValue'].replace('{n}', '1'), { exact: true }).fill('');
        await box.focus();
        await page.keyboard.type('SO-000092', { delay: 8 });
        await page.keyboard.press('Enter');
        await page.locator('.scan-list li.scan-refused').first().waitFor();
      },
      leave: async (page) => {
        await page.getByRole('tab', { name: words['new.single'] }).click();
      },
    },
    {
      name: 'bulk-file',
      open: async (page) => {
        await go(page, '#/new');
        await page.getByRole('tab', { name: words['new.bulk'] }).click();
        await page.locator('input.file-input').setInputFiles({ name: 'orders.csv', mimeType: 'text/csv', buffer: EXCEL_CSV });
        await page.getByRole('table', { name: words['bulk.rowsLabel'] }).getByText('Café Müller').waitFor();
      },
      leave: async (page) => {
        await page.getByRole('tab', { name: words['new.single'] }).click();
      },
    },
    {
      name: 'bulk-import',
      open: async (page) => {
        await go(page, '#/new');
        await page.getByRole('tab', { name: words['new.bulk'] }).click();
        await page.getByLabel(words['bulk.rows']).fill(BAD_ROWS);
        await page.getByRole('button', { name: words['bulk.check'] }).click();
        await page.getByRole('table', { name: words['bulk.problemsLabel'] }).waitFor();
      },
      leave: async (page) => {
        await page.getByRole('tab', { name: words['new.single'] }).click();
      },
    },
    {
      name: 'conflicts',
      open: async (page) => {
        await go(page, '#/conflicts');
        await page.locator('article.conflict').waitFor();
      },
    },
    {
      name: 'conflicts-many',
      open: async (page) => {
        await ensureTwoConflicts(demo);
        await go(page, '#/conflicts');
        await page.locator('article.conflict').waitFor();
        await page.locator('.resolve-many input[type="checkbox"]').check();
      },
      leave: async (page) => {
        await page.locator('.resolve-many input[type="checkbox"]').uncheck();
      },
    },
    {
      name: 'conflict-log',
      open: async (page) => {
        await go(page, '#/log');
        await page.locator('.tile-value').first().waitFor();
        await page.locator('.conflict-table tbody tr').first().waitFor();
      },
    },
    {
      name: 'settings',
      open: async (page) => {
        await go(page, '#/settings');
        await page.getByLabel(words['settings.secret']).waitFor();
      },
    },
    {
      name: 'shortcuts',
      open: async (page) => {
        await go(page, '#/queue');
        await page.getByRole('button', { name: words['shortcuts.button'] }).click();
        await page.getByRole('dialog', { name: words['shortcuts.title'] }).waitFor();
      },
      leave: async (page) => {
        await page.keyboard.press('Escape');
        await page.locator('dialog').waitFor({ state: 'detached' });
      },
    },
    {
      name: 'needs-token',
      // The token is kept per tab; without it the agent refuses the page.
      open: async (page) => {
        await page.evaluate(() => sessionStorage.clear());
        await page.reload();
        await page.getByRole('heading', { level: 1, name: words['app.name'] }).waitFor();
        await page.locator('.needs-token').waitFor();
      },
      leave: async (page) => {
        await page.goto(demo.server.url);
        await page.locator('.screen-queue').waitFor();
      },
    },
  ];
}
