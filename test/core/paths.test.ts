import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE, databaseFile, defaultDataDir, PRODUCT_NAME, queuedBy } from '../../core/paths.ts';

describe('defaultDataDir: the folder Electron gives the desktop app, found without Electron', () => {
  it('Windows: %APPDATA%\\Outbox Agent, or the roaming folder under the home when APPDATA is unset', () => {
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ana')).toBe('C:\\Users\\ana\\AppData\\Roaming\\Outbox Agent');
    expect(defaultDataDir({}, 'win32', 'C:\\Users\\ana')).toBe('C:\\Users\\ana\\AppData\\Roaming\\Outbox Agent');
  });

  it('macOS: ~/Library/Application Support/Outbox Agent, whatever XDG says', () => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'darwin', '/Users/ana')).toBe('/Users/ana/Library/Application Support/Outbox Agent');
  });

  it('Linux: $XDG_CONFIG_HOME/Outbox Agent taken as it is (as Chromium does), else ~/.config', () => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: 'relative/conf' }, 'linux', '/home/ana')).toBe('relative/conf/Outbox Agent');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '' }, 'linux', '/home/ana')).toBe('/home/ana/.config/Outbox Agent');
    expect(defaultDataDir({}, 'freebsd', '/home/ana')).toBe('/home/ana/.config/Outbox Agent');
  });

  it('the folder ends in the product name Electron uses', () => {
    expect(PRODUCT_NAME).toBe('Outbox Agent');
    expect(databaseFile('/data')).toBe(path.join('/data', DATABASE_FILE));
  });
});

describe('queuedBy', () => {
  it('OUTBOX_USER, trimmed, when set; else user@host of this machine', () => {
    expect(queuedBy({ OUTBOX_USER: '  desk-3 ' })).toBe('desk-3');
    expect(queuedBy({ OUTBOX_USER: '   ' })).toBe(`${os.userInfo().username}@${os.hostname()}`);
    expect(queuedBy({})).toBe(`${os.userInfo().username}@${os.hostname()}`);
  });
});
