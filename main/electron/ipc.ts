/**
 * The main-process end of the AgentApi over IPC, and the only file that touches `ipcMain`.
 * A handler checks who is calling, checks the shape of the request, and hands the arguments as
 * `unknown` to `agent.invoke`, which parses them with the contract's zod schemas.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { isApiMethod, type ApiMethod, type ApiResult } from '../../core/api.ts';
import type { StampedEvent } from '../../core/events.ts';
import { CHANNELS, isRouteHash, type CallRequest, type ChannelPayloads } from './channels.ts';
import { isOwnPage } from './window.ts';

export interface Invoker {
  invoke(method: unknown, args: unknown): Promise<ApiResult<unknown>>;
}

export interface IpcOptions {
  agent: Invoker;
  /** our one window; a call from any other webContents is refused */
  window(): BrowserWindow | null;
  /** the renderer's index.html: the only page allowed to call */
  pageFile: string;
  /** after a call was answered (login item follows saved preferences) */
  afterCall?(method: ApiMethod, result: ApiResult<unknown>): void;
  /** told about refused calls; never given the arguments, which may hold a secret */
  warn?(message: string): void;
}

const FORBIDDEN: ApiResult<never> = { ok: false, error: { code: 'FORBIDDEN', message: 'This caller may not use the Outbox Agent API.' } };

/** The sender is the top frame of our window, showing our own page (not a frame or a page it was tricked onto). */
export function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow | null, pageFile: string): boolean {
  if (!win || win.isDestroyed()) return false;
  if (BrowserWindow.fromWebContents(event.sender) !== win) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isOwnPage(frame.url, pageFile);
}

export function isCallRequest(payload: unknown): payload is CallRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  const keys = Object.keys(payload);
  if (keys.some((k) => k !== 'method' && k !== 'args')) return false;
  return isApiMethod((payload as { method?: unknown }).method);
}

export async function handleCall(event: IpcMainInvokeEvent, payload: unknown, opts: IpcOptions): Promise<ChannelPayloads[typeof CHANNELS.call]['response']> {
  if (!isTrustedSender(event, opts.window(), opts.pageFile)) {
    opts.warn?.(`refused an IPC call from a foreign sender (${event.senderFrame?.url ?? 'no frame'})`);
    return FORBIDDEN;
  }
  if (!isCallRequest(payload)) {
    return { ok: false, error: { code: 'BAD_INPUT', message: 'An API call is { method, args } with a known method name.' } };
  }
  const result = await opts.agent.invoke(payload.method, payload.args);
  opts.afterCall?.(payload.method, result);
  return result;
}

export function setupIpc(opts: IpcOptions): () => void {
  ipcMain.handle(CHANNELS.call, (event, payload: unknown) => handleCall(event, payload, opts));
  return () => ipcMain.removeHandler(CHANNELS.call);
}

export function sendEvent(contents: WebContents, event: StampedEvent): void {
  const payload: ChannelPayloads[typeof CHANNELS.event] = event;
  if (!contents.isDestroyed()) contents.send(CHANNELS.event, payload);
}

export function sendNavigate(contents: WebContents, hash: string): void {
  if (!isRouteHash(hash) || contents.isDestroyed()) return;
  const payload: ChannelPayloads[typeof CHANNELS.navigate] = hash;
  contents.send(CHANNELS.navigate, payload);
}
