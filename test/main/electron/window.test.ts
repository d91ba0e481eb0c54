// @vitest-environment node
import { beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('electron', () => import('./fake-electron.ts'));
import {
  CONTENT_SECURITY_POLICY,
  appPaths,
  createMainWindow,
  hardenSession,
  isOwnPage,
  revealWindow,
  setupWebContentsHardening,
  vetExternalUrl,
  windowOptions,
  withCsp,
} from '../../../main/electron/window.ts';
import { BrowserWindow, FakeEvent, FakeWebContents, app, resetFakeElectron, session, shell } from './fake-electron.ts';

const paths = appPaths('/opt/app', '/opt/app/dist/main/electron');
const PAGE = 'file:///opt/app/dist/renderer/index.html';

beforeEach(() => resetFakeElectron());

describe('window options', () => {
  it('carry every security setting', () => {
    const prefs = windowOptions(paths).webPreferences!;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
    expect(prefs.preload).toBe('/opt/app/dist/main/electron/preload.cjs');
    expect(windowOptions(paths).show).toBe(false);
  });

  it('load the built renderer from a file, at a route when asked', () => {
    const win = createMainWindow(paths, { show: true, hash: '#/conflicts/12' }) as unknown as BrowserWindow;
    expect(win.loaded).toEqual({ file: '/opt/app/dist/renderer/index.html', options: { hash: '/conflicts/12' } });
    expect(win.visible).toBe(true);
    const hidden = createMainWindow(paths, { show: false }) as unknown as BrowserWindow;
    expect(hidden.visible).toBe(false);
  });

  it('reveal restores, shows and focuses', () => {
    const win = new BrowserWindow({ show: false });
    win.minimize();
    revealWindow(win as never);
    expect(win.isMinimized()).toBe(false);
    expect(win.visible).toBe(true);
    expect(win.focused).toBe(true);
  });
});

describe('navigation and new windows', () => {
  function hardened(): FakeWebContents {
    setupWebContentsHardening(paths.page);
    const contents = new FakeWebContents();
    app.emit('web-contents-created', new FakeEvent(), contents);
    return contents;
  }

  it('every webContents may only navigate within our own page', () => {
    const c = hardened();
    expect(c.fire('will-navigate', `${PAGE}#/settings`)).toBe(false);
    expect(c.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(c.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(c.fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(c.fire('will-attach-webview', {}, {})).toBe(true);
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('window.open is always denied; only vetted https links reach the browser', () => {
    const c = hardened();
    const open = c.windowOpenHandler!;
    expect(open({ url: 'https://learn.microsoft.com/dynamics365/' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledWith('https://learn.microsoft.com/dynamics365/');
    for (const url of ['http://learn.microsoft.com/', 'https://evil.example/', 'https://microsoft.com.evil.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@contoso.operations.dynamics.com/', 'https://contoso.dynamics.com:8443/']) {
      expect(open({ url })).toEqual({ action: 'deny' });
    }
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
    expect(c.fire('will-navigate', 'https://contoso.operations.dynamics.com/?mi=SalesTableListPage')).toBe(true);
    expect(shell.openExternal).toHaveBeenLastCalledWith('https://contoso.operations.dynamics.com/?mi=SalesTableListPage');
  });

  it('own page means our index.html, not a sibling or a host', () => {
    expect(isOwnPage(`${PAGE}?x=1#/`, paths.page)).toBe(true);
    expect(isOwnPage('file:///opt/app/dist/renderer/other.html', paths.page)).toBe(false);
    expect(isOwnPage('file://evil/opt/app/dist/renderer/index.html', paths.page)).toBe(false);
    expect(isOwnPage('not a url', paths.page)).toBe(false);
    expect(vetExternalUrl('https://login.microsoftonline.com/x')).toBe('https://login.microsoftonline.com/x');
  });
});

describe('session', () => {
  it('denies every permission request and check, and sets the CSP header', async () => {
    hardenSession(session.defaultSession as never);
    const ses = session.defaultSession;
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      const answer = await new Promise<boolean>((resolve) => ses.permissionRequestHandler!(null, permission, resolve));
      expect(answer).toBe(false);
      expect(ses.permissionCheckHandler!(null, permission, 'file://', {})).toBe(false);
    }
    expect(ses.devicePermissionHandler!({})).toBe(false);
    const headers = await new Promise<Record<string, string[]> | undefined>((resolve) =>
      ses.headersHandler!({ responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['1'] } }, (r) => resolve(r.responseHeaders)),
    );
    expect(headers).toEqual({ 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });

  it('downloads only what the page made itself (exports)', () => {
    hardenSession(session.defaultSession as never);
    const download = (url: string) => {
      const e = new FakeEvent();
      session.defaultSession.emit('will-download', e, { getURL: () => url });
      return e.defaultPrevented;
    };
    expect(download('blob:file:///abc')).toBe(false);
    expect(download('https://evil.example/x.exe')).toBe(true);
  });

  it('the CSP allows no remote content, inline script, eval or framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)|https?:|\*/);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(withCsp(undefined)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});
