/**
 * The Electron main process entry (package.json "main", built to dist/main/electron/main.js).
 * Order matters: the single-instance lock before anything touches the database, the
 * webContents rules before the first page exists.
 */
import { app, dialog } from 'electron';
import { startDesktopApp, type DesktopApp } from './desktop-app.ts';
import { HIDDEN_FLAG } from './login-item.ts';
import { RotatingLog } from './log.ts';
import { claimSingleInstance } from './single-instance.ts';
import { appPaths, setupWebContentsHardening } from './window.ts';
import { keepYoungGenerationSmall } from '../memory.ts';

let desktop: DesktopApp | null = null;
let openWhenReady = false;

if (!claimSingleInstance(() => (desktop ? desktop.open() : (openWhenReady = true)))) {
  app.quit();
} else {
  keepYoungGenerationSmall();
  const log = new RotatingLog({ dir: app.getPath('logs') });
  process.on('uncaughtException', (e) => log.error('uncaught exception:', e));
  process.on('unhandledRejection', (e) => log.error('unhandled rejection:', e));
  const paths = appPaths(app.getAppPath(), import.meta.dirname);
  setupWebContentsHardening(paths.page);
  // A tray app keeps running with no window open; an empty listener stops Electron quitting.
  app.on('window-all-closed', () => {});
  app.on('activate', () => desktop?.open());
  app
    .whenReady()
    .then(async () => {
      desktop = await startDesktopApp({ paths, env: process.env, log, hidden: process.argv.includes(HIDDEN_FLAG) && !openWhenReady });
    })
    .catch((e: unknown) => {
      log.error('could not start:', e);
      dialog.showErrorBox('Outbox Agent could not start', e instanceof Error ? e.message : String(e));
      app.exit(1);
    });
}
