/**
 * The desktop app put together once Electron is ready: the agent (the one owner of the
 * database, in the main process), the IPC bridge, the tray, notifications and the window.
 * Everything here is wiring; the decisions live in the small modules it connects.
 */
import os from 'node:os';
import { app, type BrowserWindow } from 'electron';
import type { ApiMethod, SettingsView } from '../../core/api.ts';
import { DemoSwitch } from '../../core/demo.ts';
import { queuedBy } from '../../core/paths.ts';
import type { SecretStore } from '../../core/secrets.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import { sendEvent, sendNavigate, setupIpc } from './ipc.ts';
import { secretSource } from './keychain.ts';
import { applyLoginItem } from './login-item.ts';
import type { RotatingLog } from './log.ts';
import { setupNotifications, type AlertOptions } from './notifications.ts';
import { setupTray, trayModelAfter, trayModelFrom } from './tray.ts';
import { createMainWindow, revealWindow, type AppPaths } from './window.ts';

export interface DesktopOptions {
  paths: AppPaths;
  env: NodeJS.ProcessEnv;
  log: RotatingLog;
  /** started at login: stay in the tray until asked */
  hidden: boolean;
  /** the OS keychain by default */
  keychain?: SecretStore;
  alerts?: AlertOptions;
  simulator?: SimulatorOptions;
  platform?: NodeJS.Platform;
  home?: string;
}

export interface DesktopApp {
  agent: DemoSwitch;
  window(): BrowserWindow | null;
  /** shows the window, at a route when given (`#/conflicts/12`) */
  open(route?: string): void;
  /** finishes the request in flight, closes the outbox; app.quit() goes through here */
  shutdown(): Promise<void>;
}

export async function startDesktopApp(opts: DesktopOptions): Promise<DesktopApp> {
  const { log, paths } = opts;
  const { secrets, envSecret } = secretSource(opts.env, (s) => log.rememberSecret(s), opts.keychain);
  const dataDir = app.getPath('userData');
  // A fresh install with nothing configured shows the demo (in its own outbox); a real queue never.
  const agent = await DemoSwitch.open({ dataDir, secrets, envSecret, queuedBy: queuedBy(opts.env), simulator: opts.simulator, startInDemo: 'when-new' });
  agent.start();
  const started = await agent.api().status();
  log.info(`agent started: data in ${dataDir}, ${started.mode} mode${started.target ? `, sending to ${started.target}` : ''}${started.connection ? ` — ${started.connection}` : ''}`);

  let win: BrowserWindow | null = null;
  let quitting = false;
  let shutdown: Promise<void> | null = null;
  let shutDown = false;

  const makeWindow = (show: boolean, route?: string): BrowserWindow => {
    const w = createMainWindow(paths, { show, hash: route, devTools: !app.isPackaged });
    // Closing the window leaves the agent draining in the tray.
    w.on('close', (event) => {
      if (quitting) return;
      event.preventDefault();
      w.hide();
    });
    w.on('closed', () => {
      if (win === w) win = null;
    });
    return w;
  };
  const open = (route?: string): void => {
    if (shutdown) return;
    if (!win || win.isDestroyed()) {
      win = makeWindow(true, route);
      return;
    }
    revealWindow(win);
    if (route) sendNavigate(win.webContents, route);
  };
  const command = (method: ApiMethod): void => {
    void agent.invoke(method, undefined).then((r) => {
      if (!r.ok) log.warn(`${method} from the tray failed: ${r.error.code} ${r.error.message}`);
    });
  };
  const followLoginPreference = (startAtLogin: boolean): void => {
    try {
      applyLoginItem(startAtLogin, { platform: opts.platform ?? process.platform, env: opts.env, home: opts.home ?? os.homedir() });
    } catch (e) {
      log.warn('could not update start at login:', e);
    }
  };

  const stopIpc = setupIpc({
    agent,
    window: () => win,
    pageFile: paths.page,
    warn: (m) => log.warn(m),
    afterCall: (method, result) => {
      if (method === 'saveSettings' && result.ok) followLoginPreference((result.value as SettingsView).preferences.startAtLogin);
    },
  });
  followLoginPreference((await agent.api().getSettings()).preferences.startAtLogin);

  let model = trayModelFrom(started);
  const tray = setupTray(paths.trayIcons, model, {
    open: () => open(),
    pause: () => command('pauseDrain'),
    resume: () => command('resumeDrain'),
    drainNow: () => command('drainNow'),
    openConflicts: () => open('#/conflicts'),
    quit: () => app.quit(),
  });

  // Events move the counts only partly; one status read after a burst keeps the tray exact.
  let refresh: NodeJS.Timeout | null = null;
  const refreshSoon = (): void => {
    refresh ??= setTimeout(() => {
      refresh = null;
      if (shutdown) return;
      void agent.api().status().then((s) => {
        model = trayModelFrom(s);
        tray.show(model);
      });
    }, 250);
  };
  const unsubscribe = agent.subscribe((event) => {
    if (win && !win.isDestroyed()) sendEvent(win.webContents, event);
    model = trayModelAfter(model, event);
    tray.show(model);
    if (event.type !== 'retrying' && event.type !== 'sending') refreshSoon();
    if (event.type === 'paused') log.warn(`draining paused (${event.reason}): ${event.message}`);
    if (event.type === 'resumed') log.info('draining resumed');
    if (event.type === 'conflict') log.info(`conflict on update ${event.id} (${event.company} ${event.orderNumber})`);
    if (event.type === 'failed') log.warn(`update ${event.id} failed: ${event.error.code} ${event.error.message}`);
  });
  const stopNotifications = setupNotifications({ ...opts.alerts, subscribe: (l) => agent.subscribe(l), open });

  const close = (): Promise<void> => {
    shutdown ??= (async () => {
      quitting = true;
      log.info('quitting: finishing the request in flight');
      stopNotifications();
      unsubscribe();
      stopIpc();
      if (refresh) clearTimeout(refresh);
      try {
        await agent.close();
      } catch (e) {
        log.error('closing the agent failed:', e);
      }
      tray.destroy();
      log.info('agent closed');
    })();
    return shutdown;
  };
  // Every way of quitting (tray menu, OS logout, Cmd+Q) waits for the agent to close first.
  app.on('before-quit', (event) => {
    quitting = true;
    if (shutDown) return;
    event.preventDefault();
    void close().then(() => {
      shutDown = true;
      app.quit();
    });
  });

  if (!opts.hidden) open();
  return { agent, window: () => win, open, shutdown: close };
}
