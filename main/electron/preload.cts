/**
 * The preload of our one window. It runs sandboxed: CommonJS, and its `require` knows only
 * 'electron' — so it imports nothing of ours but types, and repeats the channel names, which
 * `Channels` keeps honest at compile time. Only named functions cross the bridge; `ipcRenderer`
 * itself never does, and the IPC event object (which carries the sender) is not passed on.
 */
import type { IpcRendererEvent } from 'electron';
import type { ApiMethod, ApiResult, ApiTransport } from '../../core/api.ts';
import type { Listener, StampedEvent } from '../../core/events.ts';
import type { CallRequest, Channels } from './channels.ts';

const { contextBridge, ipcRenderer } = require('electron') as typeof import('electron');

const CALL: Channels['call'] = 'outbox:call';
const EVENT: Channels['event'] = 'outbox:event';
const NAVIGATE: Channels['navigate'] = 'outbox:navigate';

function badInput(message: string): ApiResult<never> {
  return { ok: false, error: { code: 'BAD_INPUT', message } };
}

const outboxBridge: ApiTransport & { onNavigate(callback: (hash: string) => void): () => void } = {
  async call(method: ApiMethod, args: unknown): Promise<ApiResult<unknown>> {
    if (typeof method !== 'string') return badInput('The method name must be a string.');
    const request: CallRequest = { method, args };
    return (await ipcRenderer.invoke(CALL, request)) as ApiResult<unknown>;
  },
  subscribe(listener: Listener): () => void {
    if (typeof listener !== 'function') throw new TypeError('subscribe needs a listener function');
    const relay = (_event: IpcRendererEvent, event: StampedEvent) => listener(event);
    ipcRenderer.on(EVENT, relay);
    return () => {
      ipcRenderer.removeListener(EVENT, relay);
    };
  },
  onNavigate(callback: (hash: string) => void): () => void {
    if (typeof callback !== 'function') throw new TypeError('onNavigate needs a callback function');
    const relay = (_event: IpcRendererEvent, hash: string) => {
      if (typeof hash === 'string') callback(hash);
    };
    ipcRenderer.on(NAVIGATE, relay);
    return () => {
      ipcRenderer.removeListener(NAVIGATE, relay);
    };
  },
};

contextBridge.exposeInMainWorld('outboxBridge', outboxBridge);
