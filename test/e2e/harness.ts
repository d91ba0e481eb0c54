import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApiClient, type AgentApi } from '../../core/api.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import type { Simulator } from '../../core/simulator/simulator.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import type { DrainerOptions } from '../../core/engine/drainer.ts';
import { serve, type RunningServer } from '../../main/server/serve.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-artifacts', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Builds the UI from the current sources into a temporary folder, so the test never runs
 * against a stale dist/ and never races another process writing dist/.
 */
export async function buildUiOnce(): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-ui-'));
  const { build } = await import('vite');
  await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  if (!fs.existsSync(path.join(outDir, 'index.html'))) throw new Error(`vite build wrote no index.html to ${outDir}`);
  return outDir;
}

/** `lang`: Chromium's own language (date pickers, built-in messages), as a person's OS would set it. */
export async function launchChromium(lang = 'en-US'): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      `--lang=${lang}`,
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Polls until `check` returns a value other than undefined, or fails with `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface DemoPage {
  server: RunningServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** script errors and CSP violations the page logged */
  pageErrors: string[];
  sim(): Simulator;
  /** the agent behind the page, through the same typed contract the UI uses */
  api: AgentApi;
  /** a screenshot under test-artifacts/screenshots/<name>.png */
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface DemoOptions {
  /** the browser's language list, as navigator.languages (default en-US) */
  locale?: string;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** the browser's time zone (IANA), default the machine's */
  timezoneId?: string;
  /** a UI already built by buildUiOnce (else one is built and removed at close) */
  uiDir?: string;
  /** merged over the quiet simulator below (e.g. a slow D365: `{ latencyMs: 800 }`) */
  simulator?: SimulatorOptions;
  /** how often the demo's desk queues an update (default: practically never) */
  deskEveryMs?: number;
  /** scripts run in the page before its own (e.g. a recorder around a browser API) */
  initScripts?: string[];
  drainer?: DrainerOptions;
  /** browser permissions granted up front, e.g. ['notifications'] */
  permissions?: string[];
  /** runs on the (real agent's) data folder before the server opens it, e.g. to damage its database */
  prepareDataDir?: (dir: string) => void;
}

/**
 * `serve({ demo: true })` with background writers and the demo's desk off (each update and
 * conflict is one a test made, at a known moment), and Chromium on its page.
 */
export async function startDemo(opts: DemoOptions = {}): Promise<DemoPage> {
  const ownUi = !opts.uiDir;
  const uiDir = opts.uiDir ?? (await buildUiOnce());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-e2e-'));
  opts.prepareDataDir?.(dataDir);
  const server = await serve({
    dataDir,
    demo: true,
    uiDir,
    env: { OUTBOX_USER: 'desk@e2e' },
    secrets: new MemorySecretStore(),
    simulator: { seed: 11, latencyMs: 20, writers: { perSecond: 0, onRequest: 0 }, ...opts.simulator },
    // The demo's desk would queue a new update every few seconds; tests queue their own.
    deskEveryMs: opts.deskEveryMs ?? 3_600_000,
    ...(opts.drainer ? { drainer: opts.drainer } : {}),
    log: () => {},
  });
  const browser = await launchChromium(opts.locale ?? 'en-US');
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
    acceptDownloads: true,
    ...(opts.permissions ? { permissions: opts.permissions } : {}),
  });
  for (const script of opts.initScripts ?? []) await context.addInitScript(script);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(server.url);
  return {
    server,
    browser,
    context,
    page,
    pageErrors,
    api: createApiClient({ call: (method, args) => server.agent.invoke(method, args), subscribe: (l) => server.agent.subscribe(l) }),
    sim() {
      const s = server.agent.simulator;
      if (!s) throw new Error('the demo agent has no simulator');
      return s;
    },
    async shot(name) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, animations: 'disabled', fullPage: true });
      return file;
    },
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (ownUi) fs.rmSync(uiDir, { recursive: true, force: true });
    },
  };
}
