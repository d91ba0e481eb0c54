import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFile } from '../../core/paths.ts';
import { en } from '../../renderer/i18n/messages-en.ts';
import { horizontalOverflow, seriousViolations } from './axe.ts';
import { startDemo, waitFor, type DemoPage } from './harness.ts';
import { go } from './screens.ts';

const SCREENS = ['#/queue', '#/new', '#/conflicts', '#/log', '#/settings'];

/** What changes on the queue screen as the demo goes on: the counts and the rows. */
const queueText = (page: Page) => page.locator('.screen-queue').innerText();

describe('the demo is alive and never the real queue; the real queue says when nothing is sent', () => {
  let demo: DemoPage;

  beforeAll(async () => {
    demo = await startDemo({
      // The demo as a trainee sees it: its desk queueing every few seconds, other users writing.
      deskEveryMs: 4000,
      simulator: { latencyMs: 60, writers: { perSecond: 0.5, onRequest: 0.15, sameFieldProbability: 0.3 } },
      // The real agent's database was damaged before this start: it is moved aside, and a notice kept.
      prepareDataDir: (dir) => fs.writeFileSync(databaseFile(dir), Buffer.alloc(16_384, 'not a database, the disk ate it. ')),
    });
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
  }, 30_000);

  it('changes by itself within 15 s, with nobody touching it', async () => {
    const page = demo.page;
    await go(page, '#/queue');
    await page.locator('.screen-queue tbody tr').first().waitFor({ timeout: 15_000 });
    // Settled a moment, then watched.
    await page.waitForTimeout(500);
    const before = await queueText(page);
    const start = Date.now();
    await waitFor('the demo page to change by itself', async () => ((await queueText(page)) !== before ? true : undefined), 15_000);
    expect(Date.now() - start).toBeLessThan(15_000);
    await demo.shot('demo-alive');
  }, 40_000);

  it('says “Demo — not your real queue” with Leave demo on every screen', async () => {
    const page = demo.page;
    for (const hash of SCREENS) {
      await go(page, hash);
      const banner = page.locator('.banner-demo');
      await banner.filter({ hasText: 'Demo — not your real queue' }).waitFor();
      await banner.getByRole('button', { name: en['banner.leaveDemo'] }).waitFor();
    }
  }, 30_000);

  it('leaves the demo for the real queue: not connected, said with Try the demo and Settings; the notice stays until acknowledged', async () => {
    const page = demo.page;
    await go(page, '#/queue');
    await page.getByRole('button', { name: en['banner.leaveDemo'] }).click();
    const banner = page.locator('.banner-danger');
    await banner.filter({ hasText: /^Not connected to D365: 0 updates waiting\./ }).waitFor();
    await expect(page.locator('.banner-demo').count()).resolves.toBe(0);
    await banner.getByRole('button', { name: en['banner.tryDemo'] }).waitFor();
    await expect(banner.getByRole('link', { name: en['banner.openSettings'] }).getAttribute('href')).resolves.toBe('#/settings');
    const notice = page.locator('.banner-warning', { hasText: 'was damaged and has been moved aside' });
    await notice.waitFor();
    await page.getByTestId('connection').filter({ hasText: en['conn.notConnected'] }).waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await seriousViolations(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toEqual([]);
      await demo.shot(`${scheme}-real-not-connected-notice`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // Every screen says it, not only the queue.
    await go(page, '#/new');
    await banner.filter({ hasText: 'Not connected to D365' }).waitFor();
    await notice.waitFor();

    await notice.getByRole('button', { name: en['banner.acknowledge'] }).click();
    await notice.waitFor({ state: 'detached' });
    await expect(demo.api.status()).resolves.toMatchObject({ mode: 'not-connected', notices: [] });

    await banner.getByRole('button', { name: en['banner.tryDemo'] }).click();
    await page.locator('.banner-demo').filter({ hasText: 'Demo — not your real queue' }).waitFor();
    await expect(demo.api.status()).resolves.toMatchObject({ mode: 'demo' });
    await page.getByTestId('connection').filter({ hasText: en['conn.onlineDemo'] }).waitFor();
  }, 45_000);

  it('logged no script errors', () => {
    expect(demo.pageErrors).toEqual([]);
  });
});
