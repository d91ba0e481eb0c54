/**
 * Our one window and the rules every web page in the app lives under: no Node, sandboxed, a
 * strict CSP, no navigation away from our own file, no new windows, no permissions, and
 * external links only to hosts we vetted, in the user's browser.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, session, shell, type BrowserWindowConstructorOptions, type Session, type WebContents } from 'electron';
import { contentSecurityPolicy } from '../csp.ts';

/** The desktop's policy (no network for the page at all); sent as a header for anything served over http(s). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy('desktop');

/** Hosts (and their subdomains) a link in the UI may open in the browser: D365 and Microsoft's docs. */
export const EXTERNAL_HOSTS = ['dynamics.com', 'microsoft.com', 'microsoftonline.com', 'businesscentral.dynamics.com'];

export interface AppPaths {
  /** dist/renderer/index.html */
  page: string;
  /** dist/main/electron/preload.cjs */
  preload: string;
  /** build/icon.png */
  icon: string;
  /** build/tray */
  trayIcons: string;
}

/** `appRoot` is `app.getAppPath()` (the folder or asar with package.json), `here` the folder of main.js. */
export function appPaths(appRoot: string, here: string): AppPaths {
  return {
    page: path.join(appRoot, 'dist', 'renderer', 'index.html'),
    preload: path.join(here, 'preload.cjs'),
    icon: path.join(appRoot, 'build', 'icon.png'),
    trayIcons: path.join(appRoot, 'build', 'tray'),
  };
}

export function windowOptions(paths: Pick<AppPaths, 'preload' | 'icon'>, devTools = false): BrowserWindowConstructorOptions {
  return {
    width: 1180,
    height: 780,
    minWidth: 720,
    minHeight: 480,
    // Shown on ready-to-show, or not at all when started at login into the tray.
    show: false,
    title: 'Outbox Agent',
    icon: paths.icon,
    autoHideMenuBar: true,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools,
    },
  };
}

/** The URL shows our renderer page (any hash or query), not another file. */
export function isOwnPage(url: string, pageFile: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'file:' || (u.host !== '' && u.host !== 'localhost')) return false;
  try {
    return path.resolve(fileURLToPath(u)) === path.resolve(pageFile);
  } catch {
    return false;
  }
}

/** An https link to a vetted host, without credentials or an odd port; anything else is refused. */
export function vetExternalUrl(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port !== '') return null;
  const host = u.hostname.toLowerCase();
  return hosts.some((h) => host === h || host.endsWith(`.${h}`)) ? u.toString() : null;
}

/** Response headers with our CSP in place of whatever the response said. */
export function withCsp(headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY]; // eng-disable CSP_GLOBAL_CHECK -- the value is CONTENT_SECURITY_POLICY above, which the scanner cannot follow; window.test.ts checks it
  return out;
}

function openVetted(url: string): void {
  const vetted = vetExternalUrl(url);
  if (vetted) void shell.openExternal(vetted); // eng-disable OPEN_EXTERNAL_JS_CHECK -- only https URLs on EXTERNAL_HOSTS pass vetExternalUrl
}

/** Applied to every webContents the app ever creates (see setupWebContentsHardening). */
export function hardenWebContents(contents: WebContents, pageFile: string): void {
  contents.on('will-navigate', (event, url) => {
    if (isOwnPage(url, pageFile)) return;
    event.preventDefault();
    openVetted(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOwnPage(url, pageFile)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openVetted(url);
    return { action: 'deny' };
  });
}

export function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withCsp(details.responseHeaders) }));
  // Exports are saved from blobs the page made itself; nothing else is downloaded.
  ses.on('will-download', (event, item) => {
    if (!/^(blob|data):/.test(item.getURL())) event.preventDefault();
  });
}

/** Before the first window: every webContents, ours or not, gets the same rules. */
export function setupWebContentsHardening(pageFile: string): void {
  void app.whenReady().then(() => hardenSession(session.defaultSession));
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, pageFile));
}

export function createMainWindow(paths: AppPaths, opts: { show: boolean; hash?: string; devTools?: boolean }): BrowserWindow {
  const win = new BrowserWindow(windowOptions(paths, opts.devTools)); // eng-disable CONTEXT_ISOLATION_JS_CHECK SANDBOX_JS_CHECK AUXCLICK_JS_CHECK -- windowOptions sets contextIsolation and sandbox (window.test.ts); middle-click windows meet the deny-all window open handler
  if (opts.show) win.once('ready-to-show', () => win.show());
  void win.loadFile(paths.page, opts.hash ? { hash: opts.hash.replace(/^#/, '') } : {});
  return win;
}

/** Brings the window to the front from the tray, a notification or a second launch. */
export function revealWindow(win: BrowserWindow): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
