import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { de } from '../../renderer/i18n/messages-de.ts';
import { en, type MessageId } from '../../renderer/i18n/messages-en.ts';
import { containsPhrase, literalPieces } from '../renderer/catalogue-text.ts';
import { buildUiOnce, startDemo, type DemoPage } from './harness.ts';
import { demoSettled, everyScreen, go } from './screens.ts';

/**
 * What a person can read on the page: visible text, the names and hints of controls, option
 * labels and the window title. Text the agent wrote itself is marked lang="en" and left out:
 * it is English by design (see AgentText), not a UI string someone forgot.
 */
async function readableText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [document.title];
    const agentWritten = (el: Element) => el.closest('[lang="en"]') !== null;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const text = n.textContent?.trim();
      if (!el || !text || agentWritten(el) || ['SCRIPT', 'STYLE'].includes(el.tagName)) continue;
      // <option>s are read when the list opens; everything else must be rendered.
      if (el.tagName === 'OPTION' || el.checkVisibility({ visibilityProperty: true })) out.push(text);
    }
    for (const el of document.body.querySelectorAll('*')) {
      if (agentWritten(el) || !el.checkVisibility()) continue;
      for (const attr of ['aria-label', 'placeholder', 'title', 'alt', 'aria-description']) {
        const v = el.getAttribute(attr)?.trim();
        if (v) out.push(v);
      }
    }
    return out;
  });
}

/**
 * English left on a German screen: any piece of an English message (its words, without the
 * arguments) whose German message differs, found as a whole phrase. Pieces that German uses
 * too (product names, "Tenant" in "Mandant (Tenant)") are not evidence and are skipped.
 */
const germanText = Object.values(de).join('\n');
const ENGLISH_PIECES = (Object.keys(en) as MessageId[])
  .filter((id) => en[id] !== de[id])
  .flatMap((id) => literalPieces(en[id]).map((piece) => ({ id, piece })))
  .filter(({ piece }) => !containsPhrase(germanText, piece));

function englishIn(texts: string[]): { id: MessageId; piece: string; text: string }[] {
  const found: { id: MessageId; piece: string; text: string }[] = [];
  for (const text of texts) for (const p of ENGLISH_PIECES) if (containsPhrase(text, p.piece)) found.push({ ...p, text });
  return found;
}

describe('the UI in German', () => {
  let demo: DemoPage;
  let uiDir = '';

  beforeAll(async () => {
    uiDir = await buildUiOnce();
    demo = await startDemo({ locale: 'de-DE', uiDir });
    await demoSettled(demo);
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
    if (uiDir) fs.rmSync(uiDir, { recursive: true, force: true });
  }, 30_000);

  it('knows enough English to notice it: the check finds the English UI', async () => {
    // The same check on an English page must fire, or a German run proves nothing.
    const english = await startDemo({ locale: 'en-US', uiDir });
    try {
      await demoSettled(english);
      await english.page.locator('.screen-queue tbody tr').first().waitFor();
      const found = englishIn(await readableText(english.page));
      expect(found.map((f) => f.id)).toEqual(expect.arrayContaining(['nav.queue', 'nav.new', 'status.pause', 'state.all']));
    } finally {
      await english.close();
    }
  }, 120_000);

  it('follows the browser language: every screen in German, no English left', async () => {
    const page = demo.page;
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('de-DE');
    const leftovers: string[] = [];
    for (const state of everyScreen(de, demo)) {
      await state.open(page);
      for (const f of englishIn(await readableText(page))) leftovers.push(`${state.name}: "${f.piece}" (${f.id}) in "${f.text}"`);
      await demo.shot(`de-${state.name}`);
      await state.leave?.(page);
    }
    expect(leftovers).toEqual([]);
    expect(demo.pageErrors.filter((e) => !/401 \(Unauthorized\)/.test(e))).toEqual([]);
  }, 120_000);

  it('writes dates and numbers the German way, through Intl', async () => {
    const page = demo.page;
    await go(page, '#/queue');
    await page.locator('.screen-queue tbody tr').first().click();
    const first = (await demo.api.listUpdates({ limit: 1 })).items[0]!;
    const queuedAt = new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'medium' }).format(first.createdAt);
    await page.locator('.detail', { hasText: queuedAt }).waitFor();
    await page.keyboard.press('Escape');

    await go(page, '#/log');
    const rate = page.locator('.tile-value').nth(1);
    await rate.waitFor();
    // "0,0 %": a decimal comma and a space before the sign.
    await expect(rate.textContent()).resolves.toMatch(/^\d+,\d\s%$/);
  }, 30_000);

  it('exports with the same column names whatever the UI language', async () => {
    const page = demo.page;
    await go(page, '#/log');
    await page.locator('.conflict-table tbody tr').first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: de['log.exportCsv'] }).click()]);
    const fromGermanUi = fs.readFileSync(await download.path(), 'utf8');
    const fromAgent = (await demo.api.exportConflicts({ format: 'csv' })).body;
    const header = (csv: string) => csv.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0];
    expect(header(fromGermanUi)).toBe(header(fromAgent));
    expect(header(fromGermanUi)).toMatch(/^[A-Za-z_.,]+$/);
  }, 30_000);

  it('keeps an override from Settings across reloads, and Automatic follows the browser again', async () => {
    const page = demo.page;
    await go(page, '#/settings');
    await page.getByLabel(de['settings.language']).selectOption('en');
    await page.getByRole('button', { name: de['settings.save'] }).click();
    await page.getByRole('link', { name: en['nav.queue'], exact: true }).waitFor();
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('en');
    await expect(demo.api.getSettings()).resolves.toMatchObject({ preferences: { language: 'en' } });

    await page.reload();
    await page.getByRole('link', { name: en['nav.settings'], exact: true }).waitFor();
    await demo.shot('de-browser-english-override');

    await page.getByLabel(en['settings.language']).selectOption('auto');
    await page.getByRole('button', { name: en['settings.save'] }).click();
    await page.getByRole('link', { name: de['nav.queue'], exact: true }).waitFor();
    expect(demo.pageErrors.filter((e) => !/401 \(Unauthorized\)/.test(e))).toEqual([]);
  }, 30_000);
});
