import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Update } from '../../core/outbox/types.ts';
import { en } from '../../renderer/i18n/messages-en.ts';
import { startDemo, waitFor, type DemoPage } from './harness.ts';
import { demoSettled, go } from './screens.ts';

/** Counts the tones the page plays (Web Audio), so the test can tell a beep happened without hearing it. */
const TONE_RECORDER = `
  window.__tones = [];
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones.push(this.frequency.value);
    return start.apply(this, args);
  };
`;

const tones = (page: Page) => page.evaluate(() => (window as unknown as { __tones: number[] }).__tones.length);

/** A barcode scanner: the characters at its speed, then Enter, with no pause for the page. */
async function scan(page: Page, text: string, msPerKey = 8): Promise<void> {
  await page.keyboard.type(text, { delay: msPerKey });
  await page.keyboard.press('Enter');
}

async function allUpdates(demo: DemoPage): Promise<Update[]> {
  const out: Update[] = [];
  let after: { updatedAt: number; id: number } | undefined;
  for (let pages = 0; pages < 20; pages++) {
    const page = await demo.api.listUpdates({ limit: 1000, ...(after ? { after } : {}) });
    out.push(...page.items);
    if (!page.next) break;
    after = page.next;
  }
  return out;
}

describe('scan mode: every scan becomes exactly one update, with D365 slow', () => {
  let demo: DemoPage;

  beforeAll(async () => {
    demo = await startDemo({ simulator: { latencyMs: 800 }, initScripts: [TONE_RECORDER] });
    await demoSettled(demo);
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
  }, 30_000);

  it('queues 30 scans typed at 8 ms a key, each with its own number, the values set once and D365’s current values as base', async () => {
    const page = demo.page;
    await go(page, '#/new');
    await page.getByRole('tab', { name: en['new.scan'] }).click();
    await page.getByLabel('Field name 1', { exact: true }).fill('CustomerRequisitionNumber');
    await page.getByLabel('New value 1', { exact: true }).fill('PO-SCAN');
    const box = page.getByLabel(en['form.order'], { exact: true });
    await box.focus();

    // Orders D365 already has (the simulator holds SO-000001 to SO-000100).
    const orders = Array.from({ length: 30 }, (_, i) => `SO-${String(31 + i).padStart(6, '0')}`);
    const before = new Map(orders.map((o) => [o, demo.sim().order('USMF', o)?.CustomerRequisitionNumber ?? null]));
    const beforeIds = new Set((await allUpdates(demo)).map((u) => u.id));
    const tonesBefore = await tones(page);
    for (const o of orders) await scan(page, o);

    // The box never blocked the scanner: it is empty and still has focus.
    await expect(box.inputValue()).resolves.toBe('');
    await expect(box.evaluate((el) => el === document.activeElement)).resolves.toBe(true);

    const list = page.getByRole('list', { name: en['scan.listLabel'] });
    await waitFor('30 scan results', async () => ((await list.locator('li.scan-queued').count()) === 30 ? true : undefined), 60_000);
    await demo.shot('scan-30-scans');

    const mine = (await allUpdates(demo)).filter((u) => !beforeIds.has(u.id));
    expect(mine.map((u) => u.orderNumber).sort()).toEqual([...orders].sort());
    for (const u of mine) {
      expect(u.fields).toEqual({ CustomerRequisitionNumber: 'PO-SCAN' });
      // D365 was online: the value each order held when it was scanned is its base.
      expect(u.base).toEqual({ CustomerRequisitionNumber: before.get(u.orderNumber) });
    }
    // In scan order: the ids rise with the scans.
    expect([...mine].sort((a, b) => a.id - b.id).map((u) => u.orderNumber)).toEqual(orders);
    // A tone for each result.
    expect((await tones(page)) - tonesBefore).toBeGreaterThanOrEqual(30);

    await waitFor('all 30 in D365', () => (orders.every((o) => demo.sim().order('USMF', o)?.CustomerRequisitionNumber === 'PO-SCAN') ? true : undefined), 60_000);
  }, 150_000);

  it('says when the same order is scanned again within seconds, and refuses a scan with no value set', async () => {
    const page = demo.page;
    const box = page.getByLabel(en['form.order'], { exact: true });
    await box.focus();
    await scan(page, 'SO-000071');
    await scan(page, 'SO-000071');
    const list = page.getByRole('list', { name: en['scan.listLabel'] });
    await list.locator('li', { hasText: 'SO-000071' }).filter({ hasText: en['scan.again'] }).waitFor({ timeout: 15_000 });

    await page.getByLabel('New value 1', { exact: true }).fill('');
    await box.focus();
    await scan(page, 'SO-000072');
    await list.locator('li.scan-refused', { hasText: 'SO-000072' }).waitFor();
    await demo.shot('scan-again-and-refused');
    expect((await demo.api.listUpdates({ search: 'SO-000072' })).items).toEqual([]);
  }, 60_000);

  it('logged no script errors', () => {
    expect(demo.pageErrors).toEqual([]);
  });
});
