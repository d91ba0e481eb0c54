import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Update } from '../../core/outbox/types.ts';
import { en } from '../../renderer/i18n/messages-en.ts';
import { startDemo, waitFor, type DemoPage } from './harness.ts';
import { demoSettled, go } from './screens.ts';

/**
 * Records the desktop notifications the page shows (the browser's own Notification, with the
 * permission granted), and makes the page believe it is in the background, where a person
 * would not see a toast.
 */
const NOTIFICATION_RECORDER = `
  window.__notifications = [];
  const Real = window.Notification;
  window.Notification = new Proxy(Real, {
    construct(target, args) {
      window.__notifications.push({ title: args[0], body: args[1] && args[1].body });
      return Reflect.construct(target, args);
    },
  });
  document.hasFocus = () => false;
`;

const notifications = (page: Page) => page.evaluate(() => (window as unknown as { __notifications: { title: string; body?: string }[] }).__notifications);

async function stateOf(demo: DemoPage, id: number): Promise<Update> {
  return (await demo.api.getUpdate({ id })).update;
}

async function until(demo: DemoPage, id: number, state: Update['state'], timeoutMs = 15_000): Promise<Update> {
  return waitFor(`update ${id} to be ${state}`, async () => {
    const u = await stateOf(demo, id);
    return u.state === state ? u : undefined;
  }, timeoutMs);
}

/** D365 refuses this order's next PATCH with its own 400 message. */
function refuseNextPatch(demo: DemoPage, orderNumber: string, message: string): void {
  demo.sim().script({ kind: 'status', status: 400, method: 'PATCH', pathIncludes: orderNumber, body: JSON.stringify({ error: { code: 'BadRequest', message } }) });
}

describe('the desk’s journeys: failed updates, cancel and undo, many conflicts, plain words', () => {
  let demo: DemoPage;

  beforeAll(async () => {
    demo = await startDemo({
      // A long wait between outage probes, so "Try now" visibly skips it.
      drainer: { probeMinMs: 30_000, probeMaxMs: 30_000 },
      permissions: ['notifications'],
      initScripts: [NOTIFICATION_RECORDER],
    });
    await demoSettled(demo);
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
  }, 30_000);

  const statusBar = () => demo.page.getByRole('contentinfo', { name: en['status.label'] });
  const nav = () => demo.page.getByRole('navigation', { name: en['nav.label'] });

  it('shows a failure in the status bar and the nav, in plain words, and Retry sends it again', async () => {
    const page = demo.page;
    refuseNextPatch(demo, 'SO-000081', 'Delivery mode ZZ is not valid for customer US-027');
    const { id } = await demo.api.enqueue({ orderNumber: 'SO-000081', fields: { DeliveryModeCode: 'ZZ' }, base: null });
    await until(demo, id, 'failed');

    await statusBar().getByRole('link', { name: '1 failed — needs a look' }).waitFor();
    await nav().getByRole('link', { name: '1 failed — needs a look' }).click();
    await expect(page.getByRole('tab', { name: /^Failed/ }).getAttribute('aria-selected')).resolves.toBe('true');
    await page.locator(`tr[data-update-id="${id}"]`).click();
    const detail = page.locator('.detail');
    await detail.locator('.note-warning', { hasText: 'D365 refused this change' }).filter({ hasText: 'Delivery mode ZZ is not valid for customer US-027' }).waitFor();
    await demo.shot('desk-failed-detail');

    await detail.getByRole('button', { name: 'Retry' }).click();
    await until(demo, id, 'done');
    // Dealt with: nothing left that needs a look.
    await waitFor('the failure note to go', async () => ((await statusBar().getByRole('link', { name: /failed — need/ }).count()) === 0 ? true : undefined));
    await expect(nav().getByRole('link', { name: /failed — need/ }).count()).resolves.toBe(0);
    await detail.locator('.history', { hasText: 'Sent; D365 accepted it.' }).waitFor();
    await detail.locator('.history', { hasText: 'D365 refused it' }).waitFor();
  }, 45_000);

  it('edits a failed update and requeues it with the new value', async () => {
    const page = demo.page;
    refuseNextPatch(demo, 'SO-000082', 'Delivery mode ZZ is not valid for customer US-004');
    const { id } = await demo.api.enqueue({ orderNumber: 'SO-000082', fields: { DeliveryModeCode: 'ZZ' }, base: null });
    await until(demo, id, 'failed');
    await go(page, '#/queue/failed');
    await page.locator(`tr[data-update-id="${id}"]`).click();
    const detail = page.locator('.detail');
    await detail.getByRole('button', { name: en['detail.edit'] }).click();
    const input = detail.getByLabel('New value for DeliveryModeCode');
    await expect(input.inputValue()).resolves.toBe('ZZ');
    await input.fill('30');
    await demo.shot('desk-edit-requeue');
    await detail.getByRole('button', { name: en['detail.requeue'] }).click();
    await until(demo, id, 'done');
    expect(demo.sim().order('USMF', 'SO-000082')?.DeliveryModeCode).toBe('30');
  }, 45_000);

  it('asks before cancelling a held update, and Undo brings it back as it was', async () => {
    const page = demo.page;
    await demo.api.pauseDrain();
    try {
      const { id } = await demo.api.enqueue({ orderNumber: 'SO-000083', fields: { DeliveryModeCode: '20' }, base: null });
      await go(page, '#/queue');
      await page.locator(`tr[data-update-id="${id}"]`).click();
      const detail = page.locator('.detail');
      await detail.getByRole('button', { name: en['detail.hold'] }).click();
      await until(demo, id, 'held');

      await detail.getByRole('button', { name: en['detail.cancel'] }).click();
      // Nothing happens until the person says yes.
      await detail.getByRole('button', { name: en['detail.cancelNo'] }).click();
      expect((await stateOf(demo, id)).state).toBe('held');

      await detail.getByRole('button', { name: en['detail.cancel'] }).click();
      await detail.getByRole('button', { name: en['detail.cancelYes'] }).click();
      await waitFor('the cancel', async () => ((await stateOf(demo, id)).lastError?.code === 'CANCELLED' ? true : undefined));
      const undo = detail.getByRole('button', { name: en['detail.undo'] });
      await expect.poll(() => undo.evaluate((el) => el === document.activeElement)).toBe(true);
      await demo.shot('desk-cancelled-undo');
      // A cancel is the person's decision, not a failure to look at.
      await expect(statusBar().getByRole('link', { name: /failed — need/ }).count()).resolves.toBe(0);

      await undo.click();
      await until(demo, id, 'held');
      expect((await stateOf(demo, id)).lastError).toBeNull();
      await detail.getByRole('button', { name: en['detail.release'] }).waitFor();
    } finally {
      await demo.api.resumeDrain();
    }
  }, 45_000);

  it('groups 20 new conflicts in one polite alert, counts them in the tab title, and resolves them all in one action', async () => {
    const page = demo.page;
    await go(page, '#/queue');
    const dismissAll = page.getByRole('button', { name: en['toast.dismissAll'] });
    if (await dismissAll.count()) await dismissAll.click();
    const notesBefore = (await notifications(page)).length;

    await demo.api.pauseDrain();
    const orders = Array.from({ length: 20 }, (_, i) => `SO-${String(61 + i).padStart(6, '0')}`);
    for (const o of orders) {
      const current = demo.sim().order('USMF', o)?.DeliveryModeCode ?? null;
      await demo.api.enqueue({ orderNumber: o, fields: { DeliveryModeCode: 'AIR' }, base: { DeliveryModeCode: current } });
      demo.sim().writeAsOtherUser('USMF', o, { DeliveryModeCode: 'TRUCK' });
    }
    const before = (await demo.api.status()).counts.conflict;
    await demo.api.resumeDrain();
    await waitFor('20 more conflicts', async () => ((await demo.api.status()).counts.conflict === before + 20 ? true : undefined), 30_000);

    const region = page.locator('.toasts');
    await region.locator('.toast', { hasText: '20 new conflicts' }).waitFor();
    expect(await region.locator('[aria-live]').getAttribute('aria-live')).toBe('polite');
    expect(await page.locator('[aria-live="assertive"], .toasts [role="alert"]').count()).toBe(0);
    // One toast for the lot, however many arrived.
    expect(await region.locator('.toast', { hasText: /conflict/i }).count()).toBe(1);
    await waitFor('the tab title', async () => ((await page.title()) === `(${before + 20}) Outbox Agent` ? true : undefined));
    // In the background the desktop hears of it too, grouped as well.
    const shown = await waitFor('a desktop notification', async () => {
      const all = (await notifications(page)).slice(notesBefore);
      return all.some((n) => /new conflicts/.test(n.title)) ? all : undefined;
    });
    expect(shown.length).toBeLessThan(20);
    await demo.shot('desk-conflicts-grouped');

    await region.getByRole('link', { name: en['alert.review'] }).click();
    await page.getByRole('heading', { level: 1, name: en['nav.conflicts'] }).waitFor();
    // The per-field table is one click away.
    await page.getByRole('list', { name: en['conflicts.listLabel'] }).getByRole('link', { name: /SO-000070/ }).click();
    await page.getByRole('article', { name: 'Conflict on SO-000070' }).locator('tr[data-field="DeliveryModeCode"] [data-side="theirs"]', { hasText: 'TRUCK' }).waitFor();

    await page.getByRole('checkbox', { name: `Select all ${before + 20}` }).check();
    await demo.shot('desk-conflicts-selected');
    await page.getByRole('button', { name: `Keep mine for ${before + 20} selected` }).click();
    await page.getByText(`${before + 20} conflicts resolved`).first().waitFor();
    await waitFor('no conflicts left', async () => ((await demo.api.status()).counts.conflict === 0 ? true : undefined), 15_000);
    await waitFor('our values in D365', () => (orders.every((o) => demo.sim().order('USMF', o)?.DeliveryModeCode === 'AIR') ? true : undefined), 30_000);
    await waitFor('the plain tab title', async () => ((await page.title()) === 'Outbox Agent' ? true : undefined));
  }, 90_000);

  it('tells the history of a conflict in sentences', async () => {
    const page = demo.page;
    const u = (await demo.api.listUpdates({ search: 'SO-000061' })).items[0]!;
    await go(page, '#/queue');
    await page.getByLabel(en['queue.search']).fill('SO-000061');
    await page.locator(`tr[data-update-id="${u.id}"]`).click();
    const history = page.locator('.detail .history');
    await history.getByText('Someone else set DeliveryModeCode to TRUCK first.').waitFor();
    await history.getByText(/Kept your values/).waitFor();
    await history.getByText('Sent; D365 accepted it.').waitFor();
    await demo.shot('desk-history-sentences');
    await page.keyboard.press('Escape');
  }, 30_000);

  it('says an outage in the desk’s words, keeps the technical text under Details, and Try now skips the wait', async () => {
    const page = demo.page;
    await demo.sim().setOffline(true);
    const ids: number[] = [];
    try {
      for (const o of ['SO-000090', 'SO-000091', 'SO-000092']) ids.push((await demo.api.enqueue({ orderNumber: o, fields: { DeliveryModeCode: '20' }, base: null })).id);
      const plain = statusBar().locator('.statusbar-detail');
      await plain.filter({ hasText: /^D365 can't be reached\. Your 3 updates are safe and go out when it's back — next try \d{1,2}:\d{2}:\d{2}\s[AP]M\.$/ }).waitFor({ timeout: 20_000 });
      const details = statusBar().locator('details');
      await details.locator('summary').click();
      await details.filter({ hasText: 'not reachable' }).waitFor();
      await demo.shot('desk-offline-plain-words');
    } finally {
      await demo.sim().setOffline(false);
    }
    // The next probe is half a minute away; Try now stops waiting at once.
    await statusBar().getByRole('button', { name: en['status.tryNow'] }).click();
    await statusBar().getByTestId('connection').filter({ hasText: en['conn.onlineDemo'] }).waitFor({ timeout: 5_000 });
    expect((await demo.api.status()).drain.paused).toBeNull();
    // The updates themselves were deferred by the agent to the probe's time; sending them at once
    // is the agent's part of "Try now" (see the report), so here they only have to arrive.
    for (const id of ids) await until(demo, id, 'done', 60_000);
  }, 120_000);

  it('logged no script errors', () => {
    expect(demo.pageErrors).toEqual([]);
  });
});
