import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../core/csv/csv.ts';
import type { StampedEvent } from '../../core/events.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { serve, type RunningServer } from '../../main/server/serve.ts';
import { SCREENSHOTS, buildUiOnce, launchChromium, waitFor } from './harness.ts';

/**
 * The real UI in Debian's Chromium against `serve({ demo: true })`. Random background writers
 * are off so each conflict here is one the test made on purpose, at a known moment.
 */
describe('the UI in a real browser against outbox serve --demo', () => {
  let uiDir = '';
  let dataDir = '';
  let server: RunningServer | null = null;
  let browser: Browser | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  const events: StampedEvent[] = [];
  const pageErrors: string[] = [];

  const shot = async (name: string) => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });
  };
  const sim = () => {
    const s = server?.agent.simulator;
    if (!s) throw new Error('the demo agent has no simulator');
    return s;
  };

  beforeAll(async () => {
    uiDir = await buildUiOnce();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-e2e-'));
    server = await serve({
      dataDir,
      demo: true,
      uiDir,
      env: { OUTBOX_USER: 'desk@e2e' },
      secrets: new MemorySecretStore(),
      simulator: { seed: 11, latencyMs: 20, writers: { perSecond: 0, onRequest: 0 } },
      log: () => {},
    });
    server.agent.subscribe((e) => events.push(e));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 720 }, locale: 'en-US', acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(server.url);
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    if (uiDir) fs.rmSync(uiDir, { recursive: true, force: true });
  }, 30_000);

  it('loads with the token taken out of the address bar and shows the demo queue', async () => {
    await page.getByRole('tab', { name: /^All/ }).waitFor();
    expect(page.url()).not.toContain('token');
    // The demo updates drain by themselves; the one another user got to first waits for a person.
    await page.getByRole('tab', { name: /^Done\s*5$/ }).waitFor({ timeout: 15_000 });
    await page.getByRole('tab', { name: /^Conflict\s*1$/ }).waitFor();
    await page.locator('.nav-badge-conflicts', { hasText: '1' }).waitFor();
    await expect(page.getByTestId('connection').textContent()).resolves.toContain('Online');
    await shot('queue');
  }, 30_000);

  it('queues an update through the form and sees it reach done', async () => {
    await page.getByRole('link', { name: 'New update' }).click();
    const order = page.getByLabel('Order number');
    await expect.poll(() => order.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.getByLabel('Field name 1', { exact: true }).fill('DeliveryModeCode');
    // A scanner: the number, then Enter; focus must land on the first value.
    await order.pressSequentially('SO-000042');
    await order.press('Enter');
    const value = page.getByLabel('New value 1', { exact: true });
    await expect.poll(() => value.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.getByText('Current values read from D365').waitFor();
    await expect(page.locator('.field-current').first().textContent()).resolves.toContain('10');
    await value.fill('30');
    // Someone edits an unrelated field just before our PATCH: a 412 the agent must absorb by itself.
    sim().script({ kind: 'writer', method: 'PATCH', pathIncludes: 'SO-000042', fields: { CustomerRequisitionNumber: 'PO-OTHER' } });
    await shot('new-update');
    await value.press('Enter');
    await page.getByText(/Queued #\d+ for USMF \/ SO-000042/).waitFor();
    await expect.poll(() => order.evaluate((el) => el === document.activeElement)).toBe(true);

    await page.getByRole('link', { name: 'See the queue' }).click();
    await page.getByLabel('Search by order number').fill('SO-000042');
    const row = page.locator('tbody tr', { hasText: 'SO-000042' });
    await row.locator('.badge-done').waitFor({ timeout: 15_000 });
    await row.click();
    await page.locator('.history-kind', { hasText: 'done' }).waitFor();
    await page.locator('.history-kind', { hasText: 'retrying' }).first().waitFor();
    await shot('queue-detail');

    const order42 = sim().order('USMF', 'SO-000042');
    expect(order42?.DeliveryModeCode).toBe('30');
    expect(order42?.CustomerRequisitionNumber).toBe('PO-OTHER');
  }, 45_000);

  it('raises an alert without reload when a background writer causes a true conflict, and keep-mine wins', async () => {
    await page.evaluate(() => ((window as unknown as { e2eMarker: number }).e2eMarker = 42));
    await page.getByRole('link', { name: 'New update' }).click();
    await page.getByLabel('Field name 1', { exact: true }).fill('RequestedShippingDate');
    const order = page.getByLabel('Order number');
    await order.fill('SO-000055');
    await order.press('Enter');
    await page.getByText('Current values read from D365').waitFor();
    const base = sim().order('USMF', 'SO-000055')?.RequestedShippingDate;
    expect(typeof base).toBe('string');
    const ours = '2027-01-20T12:00:00Z';
    const theirs = '2027-02-14T12:00:00Z';
    // The person has seen the current value; another user changes that very field now.
    sim().writeAsOtherUser('USMF', 'SO-000055', { RequestedShippingDate: theirs });
    await page.getByLabel('New value 1', { exact: true }).fill(ours);
    await page.getByRole('button', { name: 'Queue update' }).click();

    // Alerts speak in one polite live region (a burst of conflicts must not shout over the person).
    const alert = page.locator('.toasts [aria-live="polite"] .toast', { hasText: 'Conflict on USMF / SO-000055' });
    await alert.waitFor({ timeout: 15_000 });
    await expect(page.evaluate(() => (window as unknown as { e2eMarker?: number }).e2eMarker)).resolves.toBe(42);
    await shot('conflict-alert');

    await alert.getByRole('link', { name: 'Review' }).click();
    const view = page.getByRole('article', { name: 'Conflict on SO-000055' });
    const fieldRow = view.locator('tr[data-field="RequestedShippingDate"]');
    await expect(fieldRow.locator('[data-side="base"]').textContent()).resolves.toBe(base);
    await expect(fieldRow.locator('[data-side="ours"]').textContent()).resolves.toBe(ours);
    await expect(fieldRow.locator('[data-side="theirs"]').textContent()).resolves.toBe(theirs);
    await shot('conflicts');

    await view.getByRole('button', { name: 'Keep mine' }).click();
    await page.getByText('Conflict resolved').waitFor();
    await waitFor('the simulator to hold our value', () => (sim().order('USMF', 'SO-000055')?.RequestedShippingDate === ours ? true : undefined), 15_000);
    await page.getByRole('list', { name: 'Open conflicts' }).filter({ hasNotText: 'SO-000055' }).waitFor();
    const conflictEvents = events.filter((e) => e.type === 'conflict' && e.orderNumber === 'SO-000055');
    expect(conflictEvents).toHaveLength(1);
  }, 45_000);

  it('exports the conflict log as a CSV that parses', async () => {
    await page.getByRole('link', { name: 'Conflict log' }).click();
    await page.getByRole('table', { name: 'Conflict log' }).locator('tbody tr').first().waitFor();
    await page.locator('.tile-value').first().waitFor();
    await shot('conflict-log');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^outbox-conflicts-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = await download.path();
    const records = [...readCsv(fs.readFileSync(file, 'utf8'))];
    expect(records.length).toBeGreaterThanOrEqual(2);
    const header = records[0]!.cells;
    const rows = records.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r.cells[i]])));
    expect(rows.every((r) => Object.keys(r).length === header.length)).toBe(true);
    expect(JSON.stringify(rows)).toContain('SO-000055');
    expect(JSON.stringify(rows)).toContain('RequestedShippingDate');
  }, 30_000);

  it('checks pasted rows, shows the bad ones, and queues the good ones', async () => {
    await page.getByRole('link', { name: 'New update' }).click();
    await page.getByRole('tab', { name: 'Bulk: paste or CSV' }).click();
    const box = page.getByLabel('Rows to import');
    await box.fill('order\tcompany\tCustomerRequisitionNumber\nSO-000060\tUSMF\tPO-60\n\tUSMF\tPO-61\nSO-000062\tUSMF\tPO-62\textra');
    await page.getByRole('button', { name: 'Check rows' }).click();
    const problems = page.getByRole('table', { name: 'Import problems' });
    await problems.waitFor();
    expect(await problems.locator('tbody tr').count()).toBe(2);
    await expect(page.getByRole('button', { name: /^Queue/ }).isDisabled()).resolves.toBe(true);
    await shot('bulk-import');

    await box.fill('order\tcompany\tCustomerRequisitionNumber\nSO-000060\tUSMF\tPO-60\nSO-000061\tUSMF\tPO-61');
    await page.getByRole('button', { name: 'Check rows' }).click();
    await page.getByText('2 rows are ready to queue.').waitFor();
    await page.getByRole('button', { name: 'Queue 2 updates' }).click();
    await page.getByText(/Queued 2 updates/).waitFor();
    await waitFor('the imported rows to reach D365', () => (sim().order('USMF', 'SO-000061')?.CustomerRequisitionNumber === 'PO-61' ? true : undefined), 15_000);
  }, 30_000);

  it('pauses and resumes sending from the status bar', async () => {
    await page.getByRole('button', { name: 'Pause sending' }).click();
    await page.getByTestId('connection').filter({ hasText: 'Paused' }).waitFor();
    await expect(server!.agent.invoke('status', undefined)).resolves.toMatchObject({ ok: true, value: { drain: { paused: { reason: 'user' } } } });
    await shot('status-paused');
    await page.getByRole('button', { name: 'Resume sending' }).click();
    await page.getByTestId('connection').filter({ hasText: 'Online' }).waitFor();
  }, 20_000);

  it('shows settings without ever showing a secret', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByText('This is the demo: updates go to the embedded simulator').waitFor();
    await expect(page.getByLabel('Client secret').inputValue()).resolves.toBe('');
    await shot('settings');
  }, 20_000);

  it('answers 401 to an API request without the token, from the page itself', async () => {
    const status = await page.evaluate(async () => {
      const r = await fetch('/api/status', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return r.status;
    });
    expect(status).toBe(401);
    const bare = await context!.request.post(new URL('/api/listUpdates', server!.url).toString(), { data: { args: {} } });
    expect(bare.status()).toBe(401);
  }, 20_000);

  it('runs under the one policy of main/csp.ts: the built page carries it', async () => {
    const { contentSecurityPolicy } = await import('../../main/csp.ts');
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toBe(contentSecurityPolicy('page'));
  });

  it('logged no script errors and no CSP violations', () => {
    expect(pageErrors.filter((e) => !/401 \(Unauthorized\)/.test(e))).toEqual([]);
  });
});
