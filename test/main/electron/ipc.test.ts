// @vitest-environment node
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('electron', () => import('./fake-electron.ts'));
import { Agent } from '../../../core/agent.ts';
import type { ApiResult, ApiTransport } from '../../../core/api.ts';
import type { StampedEvent } from '../../../core/events.ts';
import { MemorySecretStore } from '../../../core/secrets.ts';
import { CHANNELS } from '../../../main/electron/channels.ts';
import { handleCall, isCallRequest, sendEvent, sendNavigate, setupIpc } from '../../../main/electron/ipc.ts';
import { appPaths } from '../../../main/electron/window.ts';
import { BrowserWindow, FakeFrame, FakeWebContents, contextBridge, ipcMain, ipcRenderer, resetFakeElectron } from './fake-electron.ts';
import { runPreload } from './sandboxed-preload.ts';

const paths = appPaths('/opt/app', '/opt/app/dist/main/electron');
const PAGE_URL = 'file:///opt/app/dist/renderer/index.html#/';

let dir: string;
let agent: Agent;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-ipc-'));
  agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'test@ipc' });
});
afterAll(async () => {
  await agent.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let win: BrowserWindow;
beforeEach(() => {
  resetFakeElectron();
  win = new BrowserWindow({ show: false });
  win.webContents.mainFrame = new FakeFrame(PAGE_URL);
});

function ourEvent(frame: FakeFrame = win.webContents.mainFrame, sender: FakeWebContents = win.webContents) {
  return { sender, senderFrame: frame, frameId: 1, processId: 1 } as never;
}
const opts = () => ({ agent, window: () => win as never, pageFile: paths.page });

describe('IPC handler', () => {
  it('answers our window with the real agent', async () => {
    const r = await handleCall(ourEvent(), { method: 'enqueue', args: { orderNumber: 'SO-IPC-1', fields: { DeliveryModeCode: '10' } } }, opts());
    expect(r).toMatchObject({ ok: true, value: { id: expect.any(Number) } });
    const detail = await agent.invoke('getUpdate', { id: (r as { value: { id: number } }).value.id });
    expect(detail).toMatchObject({ ok: true, value: { update: { orderNumber: 'SO-IPC-1', queuedBy: 'test@ipc' } } });
  });

  it('refuses a foreign sender: another window, an iframe, another page, a destroyed window', async () => {
    const good = { method: 'status', args: undefined };
    const other = new BrowserWindow({ show: false });
    other.webContents.mainFrame = new FakeFrame(PAGE_URL);
    const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } };
    const warn = vi.fn();
    expect(await handleCall(ourEvent(other.webContents.mainFrame, other.webContents), good, { ...opts(), warn })).toEqual(forbidden);
    expect(await handleCall(ourEvent(new FakeFrame(PAGE_URL, win.webContents.mainFrame)), good, opts())).toEqual(forbidden);
    expect(await handleCall(ourEvent(new FakeFrame('https://evil.example/')), good, opts())).toEqual(forbidden);
    expect(await handleCall(ourEvent(new FakeFrame('file:///tmp/evil.html')), good, opts())).toEqual(forbidden);
    expect(await handleCall({ sender: new FakeWebContents(), senderFrame: null } as never, good, opts())).toEqual(forbidden);
    expect(await handleCall(ourEvent(), good, { ...opts(), window: () => null })).toEqual(forbidden);
    expect(warn).toHaveBeenCalledOnce();
  });

  it('refuses malformed requests before the agent sees them', async () => {
    const spy = vi.spyOn(agent, 'invoke');
    for (const payload of [null, 'status', ['status'], {}, { method: 'dropDatabase' }, { method: 'constructor' }, { method: '__proto__' }, { method: 'status', args: {}, extra: 1 }]) {
      const r = await handleCall(ourEvent(), payload, opts());
      expect(r).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    }
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(isCallRequest({ method: 'status' })).toBe(true);
  });

  it('malformed arguments are answered by the contract’s schemas', async () => {
    const bad: [string, unknown][] = [
      ['getUpdate', { id: 'one' }],
      ['getUpdate', { id: 1, sql: 'DROP TABLE updates' }],
      ['enqueue', { orderNumber: 'SO-1', fields: { f: { nested: true } } }],
      ['listUpdates', { limit: 1e9 }],
      ['saveSettings', { connection: { profile: 'fo', environmentUrl: 'http://evil.example', tenant: 't', clientId: 'c' } }],
    ];
    for (const [method, args] of bad) {
      const r = await handleCall(ourEvent(), { method, args }, opts());
      expect(r, method).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    }
  });

  it('tells afterCall what was called', async () => {
    const afterCall = vi.fn();
    await handleCall(ourEvent(), { method: 'getSettings' }, { ...opts(), afterCall });
    expect(afterCall).toHaveBeenCalledWith('getSettings', expect.objectContaining({ ok: true }));
  });

  it('registers one handler and removes it', () => {
    const stop = setupIpc(opts());
    expect([...ipcMain.handlers.keys()]).toEqual([CHANNELS.call]);
    stop();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('sends events and only known routes to a live window', () => {
    const e = { type: 'resumed', seq: 1, at: 0 } as StampedEvent;
    sendEvent(win.webContents as never, e);
    sendNavigate(win.webContents as never, '#/conflicts/12');
    sendNavigate(win.webContents as never, 'javascript:alert(1)');
    expect(win.webContents.sent).toEqual([
      { channel: 'outbox:event', payload: e },
      { channel: 'outbox:navigate', payload: '#/conflicts/12' },
    ]);
    win.webContents.destroyed = true;
    sendEvent(win.webContents as never, e);
    expect(win.webContents.sent).toHaveLength(2);
  });
});

describe('preload', () => {
  it('exposes only the bridge, with named functions and no ipcRenderer', () => {
    runPreload();
    expect([...contextBridge.exposed.keys()]).toEqual(['outboxBridge']);
    const bridge = contextBridge.exposed.get('outboxBridge') as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual(['call', 'onNavigate', 'subscribe']);
    for (const v of Object.values(bridge)) expect(typeof v).toBe('function');
    expect(Object.values(bridge)).not.toContain(ipcRenderer);
  });

  it('carries a renderer call through the handler to the real agent and back', async () => {
    setupIpc(opts());
    runPreload();
    const bridge = contextBridge.exposed.get('outboxBridge') as ApiTransport;
    ipcRenderer.sender = win.webContents;
    ipcRenderer.senderFrame = win.webContents.mainFrame;
    const r = (await bridge.call('status', undefined)) as ApiResult<{ mode: string }>;
    expect(r).toMatchObject({ ok: true, value: { mode: 'not-connected' } });
    expect(await bridge.call(42 as never, {})).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    // The same bridge in a foreign frame gets nothing.
    ipcRenderer.senderFrame = new FakeFrame('https://evil.example/');
    expect(await bridge.call('status', undefined)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('relays events and routes without the IPC event object, and unsubscribes', () => {
    runPreload();
    const bridge = contextBridge.exposed.get('outboxBridge') as ApiTransport & { onNavigate(cb: (h: string) => void): () => void };
    const seen: unknown[][] = [];
    const routes: string[] = [];
    const stop = bridge.subscribe((...args: unknown[]) => seen.push(args));
    const stopNav = bridge.onNavigate((h) => routes.push(h));
    const ipcEvent = { sender: 'secret-bearing object' };
    ipcRenderer.emit('outbox:event', ipcEvent, { type: 'resumed', seq: 1, at: 0 });
    ipcRenderer.emit('outbox:navigate', ipcEvent, '#/conflicts/3');
    expect(seen).toEqual([[{ type: 'resumed', seq: 1, at: 0 }]]);
    expect(routes).toEqual(['#/conflicts/3']);
    stop();
    stopNav();
    ipcRenderer.emit('outbox:event', ipcEvent, { type: 'resumed', seq: 2, at: 0 });
    expect(seen).toHaveLength(1);
    expect(ipcRenderer.listenerCount('outbox:event') + ipcRenderer.listenerCount('outbox:navigate')).toBe(0);
    expect(() => bridge.subscribe('nope' as never)).toThrow(TypeError);
  });
});
