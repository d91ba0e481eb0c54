import os from 'node:os';
import path from 'node:path';

/** Electron's productName: app.getPath('userData') ends in it, and the CLI must find the same folder. */
export const PRODUCT_NAME = 'Outbox Agent';

export const DATABASE_FILE = 'outbox.sqlite';

/**
 * The per-user folder Electron's `app.getPath('userData')` gives for our productName, worked out
 * without Electron so the CLI and the headless server share the desktop app's outbox.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, homedir: string): string {
  if (platform === 'win32') {
    const appData = env.APPDATA || path.win32.join(homedir, 'AppData', 'Roaming');
    return path.win32.join(appData, PRODUCT_NAME);
  }
  if (platform === 'darwin') return path.posix.join(homedir, 'Library', 'Application Support', PRODUCT_NAME);
  // Chromium takes any non-empty XDG_CONFIG_HOME as it is; doing the same keeps us in its folder.
  const config = env.XDG_CONFIG_HOME || path.posix.join(homedir, '.config');
  return path.posix.join(config, PRODUCT_NAME);
}

export function databaseFile(dataDir: string): string {
  return path.join(dataDir, DATABASE_FILE);
}

/** Who queues updates from this machine: OUTBOX_USER, else user@host. */
export function queuedBy(env: NodeJS.ProcessEnv): string {
  if (env.OUTBOX_USER && env.OUTBOX_USER.trim() !== '') return env.OUTBOX_USER.trim();
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): the host still says where it came from
  }
  return `${user}@${os.hostname()}`;
}
