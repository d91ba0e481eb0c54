// @vitest-environment node
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('electron', () => import('./fake-electron.ts'));
import { applyLoginItem, autostartEntry, autostartPath, launchCommand, quoteExecArg } from '../../../main/electron/login-item.ts';
import { app, resetFakeElectron } from './fake-electron.ts';

let home: string;
beforeEach(() => {
  resetFakeElectron();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-home-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe('start at login on Linux', () => {
  it('writes the XDG autostart entry, and removes it again', () => {
    const file = path.join(home, '.config', 'autostart', 'outbox-agent.desktop');
    app.isPackaged = true;
    applyLoginItem(true, { platform: 'linux', env: {}, home });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    expect(text).toContain(`Exec=${process.execPath} --hidden\n`);
    expect(text).toContain('X-GNOME-Autostart-enabled=true');
    applyLoginItem(true, { platform: 'linux', env: {}, home });
    applyLoginItem(false, { platform: 'linux', env: {}, home });
    expect(fs.existsSync(file)).toBe(false);
    applyLoginItem(false, { platform: 'linux', env: {}, home });
    expect(app.loginItem).toBeNull();
  });

  it('follows XDG_CONFIG_HOME (absolute only) and starts an AppImage through its file', () => {
    const config = path.join(home, 'cfg');
    app.isPackaged = true;
    applyLoginItem(true, { platform: 'linux', env: { XDG_CONFIG_HOME: config, APPIMAGE: '/home/u/Apps/Outbox Agent.AppImage' }, home });
    const text = fs.readFileSync(path.join(config, 'autostart', 'outbox-agent.desktop'), 'utf8');
    expect(text).toContain('Exec="/home/u/Apps/Outbox Agent.AppImage" --hidden\n');
    expect(autostartPath({ XDG_CONFIG_HOME: 'relative' }, '/home/u')).toBe('/home/u/.config/autostart/outbox-agent.desktop');
  });

  it('quotes Exec arguments as the Desktop Entry spec asks', () => {
    expect(quoteExecArg('/usr/bin/outbox')).toBe('/usr/bin/outbox');
    expect(quoteExecArg('/a b/$x"y`z\\w 100%')).toBe('"/a b/\\$x\\"y\\`z\\\\w 100%%"');
    expect(autostartEntry(['/x', '--hidden'])).toContain('Exec=/x --hidden');
    expect(launchCommand({}, '/node_modules/electron/dist/electron', false, '/src/app')).toEqual(['/node_modules/electron/dist/electron', '/src/app', '--hidden']);
  });
});

describe('start at login on Windows and macOS', () => {
  it('uses Electron’s login item and writes no file', () => {
    app.isPackaged = true;
    applyLoginItem(true, { platform: 'win32', env: {}, home });
    expect(app.loginItem).toEqual({ openAtLogin: true, args: ['--hidden'] });
    applyLoginItem(false, { platform: 'darwin', env: {}, home });
    expect(app.loginItem).toEqual({ openAtLogin: false, args: ['--hidden'] });
    expect(fs.readdirSync(home)).toEqual([]);
  });
});
