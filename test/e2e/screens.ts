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
