/**
 * A stand-in for the 'electron' module (the binary cannot run here), in the spirit of Electron
 * Fiddle's tests/setup.ts. Each test file mocks with it in one line:
 *   vi.mock('electron', () => import('./fake-electron.ts'));
 * It records what the glue asked for, so tests can check it and play the other side.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class FakeFrame {
  url: string;
  parent: FakeFrame | null;
  constructor(url: string, parent: FakeFrame | null = null) {
    this.url = url;
    this.parent = parent;
  }
}

class FakeSession extends EventEmitter {
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | null = null;
  permissionCheckHandler: ((...a: unknown[]) => boolean) | null = null;
  devicePermissionHandler: ((...a: unknown[]) => boolean) | null = null;
  headersHandler: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void) | null = null;
  webRequest = {
    onHeadersReceived: (h: FakeSession['headersHandler']) => {
      this.headersHandler = h;
    },
  };
  setPermissionRequestHandler(h: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: FakeSession['devicePermissionHandler']): void {
    this.devicePermissionHandler = h;
  }
}

export class FakeWebContents extends EventEmitter {
  sent: { channel: string; payload: unknown }[] = [];
  destroyed = false;
  mainFrame: FakeFrame = new FakeFrame('about:blank');
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(h: FakeWebContents['windowOpenHandler']): void {
    this.windowOpenHandler = h;
  }
  /** Emits like Electron: returns whether a listener prevented the default. */
  fire(name: string, ...args: unknown[]): boolean {
    const e = new FakeEvent();
    this.emit(name, e, ...args);
    return e.defaultPrevented;
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  hasLock = true;
  quitCalls = 0;
  exited: number | null = null;
  quitted = false;
  loginItem: unknown = null;
  paths: Record<string, string> = { userData: path.join(os.tmpdir(), 'outbox-fake-userdata'), logs: path.join(os.tmpdir(), 'outbox-fake-logs') };
  appPath = '/opt/outbox-agent';
  requestSingleInstanceLock = vi.fn(() => this.hasLock);
  getPath(name: string): string {
    const p = this.paths[name];
    if (!p) throw new Error(`fake app has no path ${name}`);
    return p;
  }
  getAppPath(): string {
    return this.appPath;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  setLoginItemSettings(settings: unknown): void {
    this.loginItem = settings;
  }
  quit(): void {
    this.quitCalls++;
    const e = new FakeEvent();
    this.emit('before-quit', e);
    if (!e.defaultPrevented) this.quitted = true;
  }
  exit(code = 0): void {
    this.exited = code;
  }
  reset(): void {
    this.removeAllListeners();
    this.hasLock = true;
    this.quitCalls = 0;
    this.quitted = false;
    this.exited = null;
    this.loginItem = null;
    this.isPackaged = false;
  }
}

// One electron per test process, as in real life: vi.resetModules() must not fork a second one.
const shared = globalThis as { __fakeElectron?: Record<string, unknown> };
const state = (shared.__fakeElectron ??= {});
function once<T>(key: string, make: () => T): T {
  if (!(key in state)) state[key] = make();
  return state[key] as T;
}

export const app = once('app', () => new FakeApp());

class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = [];
  static fromWebContents(contents: unknown): FakeBrowserWindow | null {
    return FakeBrowserWindow.all.find((w) => w.webContents === contents && !w.destroyed) ?? null;
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.all.filter((w) => !w.destroyed);
  }
  options: Record<string, unknown>;
  webContents = new FakeWebContents();
  visible = false;
  minimized = false;
  focused = false;
  destroyed = false;
  loaded: { file: string; options: unknown } | null = null;
  constructor(options: Record<string, unknown> = {}) {
    super();
    this.options = options;
    this.visible = options.show !== false;
    FakeBrowserWindow.all.push(this);
    app.emit('web-contents-created', new FakeEvent(), this.webContents);
  }
  async loadFile(file: string, options?: { hash?: string }): Promise<void> {
    this.loaded = { file, options };
    this.webContents.mainFrame = new FakeFrame(`file://${file}${options?.hash ? `#${options.hash}` : ''}`);
    this.emit('ready-to-show');
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused = true;
  }
  restore(): void {
    this.minimized = false;
  }
  minimize(): void {
    this.minimized = true;
    this.focused = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Like the user clicking the close box: 'close' may be prevented. */
  close(): void {
    const e = new FakeEvent();
    this.emit('close', e);
    if (e.defaultPrevented) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

export const BrowserWindow = once('BrowserWindow', () => FakeBrowserWindow);
export type BrowserWindow = FakeBrowserWindow;

export const session = once('session', () => ({ defaultSession: new FakeSession() }));

export const ipcMain = once('ipcMain', () => ({
  handlers: new Map<string, Handler>(),
  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  },
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  },
}));

/** The renderer side, wired to ipcMain and to whatever main sends, like the real pair. */
export const ipcRenderer = once('ipcRenderer', () => Object.assign(new EventEmitter(), {
  sender: null as FakeWebContents | null,
  senderFrame: null as FakeFrame | null,
  async invoke(channel: string, payload: unknown): Promise<unknown> {
    const handler = ipcMain.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender: ipcRenderer.sender, senderFrame: ipcRenderer.senderFrame, frameId: 1, processId: 1 }, payload);
  },
}));

export const contextBridge = once('contextBridge', () => ({
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed.set(key, api);
  },
}));

export const shell = once('shell', () => ({ openExternal: vi.fn(async (_url: string) => {}) }));
export const dialog = once('dialog', () => ({ showErrorBox: vi.fn() }));

export const nativeImage = {
  createFromPath: (p: string) => ({ path: p, isEmpty: () => false }),
};

export const Menu = {
  buildFromTemplate: (template: unknown[]) => ({ template }),
};

class FakeTray extends EventEmitter {
  static all: FakeTray[] = [];
  image: unknown;
  tooltip = '';
  menu: { template: { id?: string; label?: string; enabled?: boolean; click?: () => void }[] } | null = null;
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    FakeTray.all.push(this);
  }
  setImage(image: unknown): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: FakeTray['menu']): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Clicks a menu item by id, like a person would. */
  clickItem(id: string): void {
    const item = this.menu?.template.find((i) => i.id === id);
    if (!item?.click) throw new Error(`no menu item ${id}`);
    item.click();
  }
}

class FakeNotification extends EventEmitter {
  static supported = true;
  static shown: FakeNotification[] = [];
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  title: string;
  body: string;
  constructor(opts: { title: string; body: string }) {
    super();
    this.title = opts.title;
    this.body = opts.body;
  }
  show(): void {
    FakeNotification.shown.push(this);
  }
}

export const Tray = once('Tray', () => FakeTray);
export type Tray = FakeTray;
export const Notification = once('Notification', () => FakeNotification);
export type Notification = FakeNotification;

export function resetFakeElectron(): void {
  app.reset();
  BrowserWindow.all = [];
  Tray.all = [];
  Notification.shown = [];
  Notification.supported = true;
  ipcMain.handlers.clear();
  ipcRenderer.removeAllListeners();
  ipcRenderer.sender = null;
  ipcRenderer.senderFrame = null;
  contextBridge.exposed.clear();
  session.defaultSession = new FakeSession();
  shell.openExternal.mockClear();
  dialog.showErrorBox.mockClear();
}

export default { app, BrowserWindow, session, ipcMain, ipcRenderer, contextBridge, shell, dialog, nativeImage, Menu, Tray, Notification };
