// @vitest-environment node
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('electron', () => import('./fake-electron.ts'));
import type { DesktopApp } from '../../../main/electron/desktop-app.ts';
import { BrowserWindow, FakeEvent, Tray, app, resetFakeElectron } from './fake-electron.ts';

let tmp: string;
beforeEach(() => {
  resetFakeElectron();
  vi.resetModules();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-main-'));
  app.paths = { userData: path.join(tmp, 'Outbox Agent'), logs: path.join(tmp, 'logs') };
  app.appPath = path.join(tmp, 'app');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('single instance', () => {
  it('a second instance quits at once and opens nothing', async () => {
    app.hasLock = false;
    await import('../../../main/electron/main.ts');
    expect(app.requestSingleInstanceLock).toHaveBeenCalledOnce();
    expect(app.quitted).toBe(true);
    expect(BrowserWindow.all).toHaveLength(0);
    expect(fs.existsSync(app.paths.userData!)).toBe(false);
  });

  it('the first instance brings its window forward when a second one starts', async () => {
    await import('../../../main/electron/main.ts');
    await until(() => Tray.all.length === 1 && BrowserWindow.all.length === 1, 'the app to start');
    const win = BrowserWindow.all[0]!;
    win.close();
    expect(win.visible).toBe(false);
    win.minimize();
    app.emit('second-instance', new FakeEvent(), ['outbox-agent'], tmp, {});
    expect(win.visible).toBe(true);
    expect(win.isMinimized()).toBe(false);
    expect(win.focused).toBe(true);
    Tray.all[0]!.clickItem('quit');
    await until(() => app.quitted, 'quit');
  });
});

describe('desktop app', () => {
  async function start(hidden = false): Promise<DesktopApp> {
    const { startDesktopApp } = await import('../../../main/electron/desktop-app.ts');
    const { RotatingLog } = await import('../../../main/electron/log.ts');
    const { appPaths } = await import('../../../main/electron/window.ts');
    const { MemorySecretStore } = await import('../../../core/secrets.ts');
    return startDesktopApp({
      paths: appPaths(app.appPath, path.join(app.appPath, 'dist/main/electron')),
      env: { OUTBOX_USER: 'desk@test' },
      log: new RotatingLog({ dir: app.paths.logs! }),
      hidden,
      keychain: new MemorySecretStore('keychain'),
      platform: 'linux',
      home: tmp,
    });
  }

  it('serves the window over IPC, forwards events, and hides to the tray on close', async () => {
    const desktop = await start();
    const win = BrowserWindow.all[0]!;
    expect(win.visible).toBe(true);
    const { ipcRenderer } = await import('./fake-electron.ts');
    ipcRenderer.sender = win.webContents;
    ipcRenderer.senderFrame = win.webContents.mainFrame;
    const r = (await ipcRenderer.invoke('outbox:call', { method: 'enqueue', args: { orderNumber: 'SO-000003', fields: { DeliveryModeCode: '30' } } })) as { ok: boolean };
    expect(r.ok).toBe(true);
    await until(() => win.webContents.sent.some((s) => (s.payload as { type?: string }).type === 'done'), 'the update to be sent to the simulator');
    expect(win.webContents.sent.map((s) => (s.payload as { type: string }).type)).toEqual(expect.arrayContaining(['queued', 'sending', 'done']));

    win.close();
    expect(win.isDestroyed()).toBe(false);
    expect(win.visible).toBe(false);

    desktop.open('#/conflicts/7');
    expect(win.visible).toBe(true);
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'outbox:navigate', payload: '#/conflicts/7' });

    // Start at login follows the saved preference.
    await ipcRenderer.invoke('outbox:call', { method: 'saveSettings', args: { preferences: { startAtLogin: true } } });
    expect(fs.existsSync(path.join(tmp, '.config/autostart/outbox-agent.desktop'))).toBe(true);

    const close = vi.spyOn(desktop.agent, 'close');
    Tray.all[0]!.clickItem('quit');
    await until(() => app.quitted, 'quit');
    expect(close).toHaveBeenCalledOnce();
    expect(app.quitCalls).toBe(2);
    expect(Tray.all[0]!.destroyed).toBe(true);
    // A fresh install showed the demo, in its own outbox, closed cleanly: reopened, its update is done…
    const { Agent, demoFolder } = await import('../../../core/agent.ts');
    const { MemorySecretStore } = await import('../../../core/secrets.ts');
    const demo = await Agent.open({ dataDir: demoFolder(app.paths.userData!), demo: true, connect: false, secrets: new MemorySecretStore(), queuedBy: 'x' });
    const shown = await demo.api().listUpdates({ search: 'SO-000003' });
    expect(shown.items.find((u) => u.fields.DeliveryModeCode === '30')?.state).toBe('done');
    await demo.close();
    // …and the real outbox was never touched.
    const real = await Agent.open({ dataDir: app.paths.userData!, connect: false, secrets: new MemorySecretStore(), queuedBy: 'x' });
    expect((await real.api().status()).counts).toMatchObject({ pending: 0, done: 0 });
    await real.close();
    const log = fs.readFileSync(path.join(app.paths.logs!, 'main.log'), 'utf8');
    expect(log).toContain('agent closed');
  });

  it('started at login it stays in the tray; the tray menu drives the agent', async () => {
    const desktop = await start(true);
    expect(BrowserWindow.all).toHaveLength(0);
    const tray = Tray.all[0]!;
    tray.clickItem('pause');
    await until(async () => (await desktop.agent.api().status()).drain.paused?.reason === 'user', 'pause');
    await until(() => tray.menu!.template.some((i) => i.id === 'resume'), 'the menu to offer Resume');
    tray.clickItem('resume');
    await until(async () => (await desktop.agent.api().status()).drain.paused === null, 'resume');
    tray.clickItem('conflicts');
    expect(BrowserWindow.all).toHaveLength(1);
    expect(BrowserWindow.all[0]!.loaded?.options).toEqual({ hash: '/conflicts' });
    await desktop.shutdown();
  });
});
