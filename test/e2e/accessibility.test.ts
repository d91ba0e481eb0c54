import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../renderer/i18n/messages-en.ts';
import { horizontalOverflow, seriousViolations } from './axe.ts';
import { REPO_ROOT, startDemo, waitFor, type DemoPage } from './harness.ts';
import { demoSettled, everyScreen, go } from './screens.ts';

const WIDTHS = [1280, 1024] as const;
const SCHEMES = ['light', 'dark'] as const;

describe('contrast, layout, dark mode and print', () => {
  let demo: DemoPage;

  beforeAll(async () => {
    demo = await startDemo({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    await demoSettled(demo);
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
  }, 30_000);

  it('axe is not blind: it reports text with too little contrast', async () => {
    const page = demo.page;
    await go(page, '#/queue');
    await page.locator('.screen-queue tbody tr').first().waitFor();
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.id = 'too-faint';
      p.textContent = 'Barely readable grey on white';
      p.style.color = '#b0b0b0';
      p.style.background = '#ffffff';
      document.querySelector('main')!.append(p);
    });
    try {
      expect((await seriousViolations(page)).join('\n')).toMatch(/color-contrast \(serious\).*#too-faint/);
    } finally {
      await page.evaluate(() => document.getElementById('too-faint')?.remove());
    }
  }, 30_000);

  it('axe finds nothing serious or critical on any screen, light and dark, at 1280 and 1024 px; nothing overflows; one <h1> each', async () => {
    const page = demo.page;
    const problems: string[] = [];
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        for (const state of everyScreen(en, demo)) {
          await state.open(page);
          const where = `${scheme} ${width}px ${state.name}`;
          for (const v of await seriousViolations(page)) problems.push(`${where}: ${v}`);
          for (const o of await horizontalOverflow(page)) problems.push(`${where}: overflow: ${o}`);
          const h1s = await page.locator('h1').count();
          if (h1s !== 1) problems.push(`${where}: ${h1s} <h1> (one per screen)`);
          await demo.shot(`${scheme}-${width}-${state.name}`);
          await state.leave?.(page);
        }
      }
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('follows the OS colour scheme: dark backgrounds in dark mode, light in light', async () => {
    const page = demo.page;
    await go(page, '#/queue');
    const lightness = async () => {
      const rgb = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number) as [number, number, number];
      return (r + g + b) / 3;
    };
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await lightness()).toBeLessThan(60);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await lightness()).toBeGreaterThan(200);
  }, 30_000);

  it('keeps 1024 px whole with a long offline message, a long D365 error and the detail open', async () => {
    const page = demo.page;
    await page.setViewportSize({ width: 1024, height: 768 });
    const longMessage = `Status ${'transition-from-Backorder-to-Invoiced-is-not-allowed-for-this-order-'.repeat(6)}because the order is on hold in warehouse 24`;
    demo.sim().script({ kind: 'status', status: 400, method: 'PATCH', pathIncludes: 'SO-000031', body: JSON.stringify({ error: { code: 'BadRequest', message: longMessage } }) });
    const failing = await demo.api.enqueue({ orderNumber: 'SO-000031', fields: { SalesOrderStatus: 'Invoiced' }, base: null });
    await waitFor('the update to fail', async () => ((await demo.api.getUpdate({ id: failing.id })).update.state === 'failed' ? true : undefined));

    await demo.sim().setOffline(true);
    try {
      await demo.api.enqueue({ orderNumber: 'SO-000032', fields: { DeliveryModeCode: '20' }, base: null });
      await page.getByTestId('connection').filter({ hasText: en['conn.offline'] }).waitFor({ timeout: 20_000 });
      await go(page, '#/queue');
      await page.locator(`tr[data-update-id="${failing.id}"]`).click();
      await page.locator('.detail .note-warning', { hasText: 'because the order is on hold' }).waitFor();
      for (const scheme of SCHEMES) {
        await page.emulateMedia({ colorScheme: scheme });
        expect(await horizontalOverflow(page)).toEqual([]);
        expect(await seriousViolations(page)).toEqual([]);
        await demo.shot(`${scheme}-1024-offline-long-error`);
      }
      // Every column of the queue stays in view beside the detail.
      const stateHeader = page.getByRole('columnheader', { name: en['column.state'] });
      const box = await stateHeader.boundingBox();
      const list = await page.locator('.screen-queue .scroll').boundingBox();
      expect(box && list && box.x + box.width <= list.x + list.width).toBe(true);
      await page.keyboard.press('Escape');
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
      await demo.sim().setOffline(false);
    }
  }, 60_000);

  it('prints the conflict log and one conflict cleanly: content only, on white', async () => {
    const page = demo.page;
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    try {
      const hidden = async () =>
        page.evaluate(() => ['.topbar', '.statusbar', '.toasts', '.filters', 'main button'].filter((sel) => [...document.querySelectorAll(sel)].some((el) => el.checkVisibility())));
      const white = async () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

      await go(page, '#/log');
      await page.locator('.conflict-table tbody tr').first().waitFor();
      expect(await hidden()).toEqual([]);
      expect(await white()).toBe('rgb(255, 255, 255)');
      expect(await horizontalOverflow(page)).toEqual([]);
      await demo.shot('print-conflict-log');

      await go(page, '#/conflicts');
      const view = page.locator('article.conflict');
      await view.waitFor();
      expect(await hidden()).toEqual([]);
      await expect(page.locator('.conflict-list').isVisible()).resolves.toBe(false);
      await expect(view.locator('table.compare').isVisible()).resolves.toBe(true);
      await demo.shot('print-conflict');
      await page.pdf({ path: path.join(REPO_ROOT, 'test-artifacts', 'print-conflict.pdf'), format: 'A4', printBackground: true });
    } finally {
      await page.emulateMedia({ media: 'screen', colorScheme: 'light' });
    }
  }, 30_000);

  it('logged no script errors and no CSP violations', () => {
    expect(demo.pageErrors.filter((e) => !/401 \(Unauthorized\)/.test(e))).toEqual([]);
  });
});
