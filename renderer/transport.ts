import { createApiClient, type AgentApi, type ApiMethod, type ApiResult, type ApiTransport } from '../core/api.ts';
import type { Listener, StampedEvent } from '../core/events.ts';

/** What the Electron preload exposes through contextBridge. */
export interface OutboxBridge extends ApiTransport {
  /** the tray asks the window to show a screen, e.g. '#/conflicts/12' */
  onNavigate?(cb: (hash: string) => void): () => void;
}

declare global {
  interface Window {
    outboxBridge?: OutboxBridge;
  }
}

export interface AgentConnection {
  api: AgentApi;
  kind: 'ipc' | 'http';
  onNavigate?: (cb: (hash: string) => void) => () => void;
}

export const TOKEN_KEY = 'outbox.token';

/**
 * The access token from `?token=` or `#token=`, kept for this tab only (sessionStorage) and
 * removed from the address bar so it does not end up in history, bookmarks or screenshots.
 */
export function takeAccessToken(loc: Pick<Location, 'search' | 'hash' | 'pathname'>, storage: Storage, history: Pick<History, 'replaceState'>): string | null {
  const query = new URLSearchParams(loc.search);
  const hashParams = new URLSearchParams(loc.hash.replace(/^#\/?/, ''));
  const fromUrl = query.get('token') ?? hashParams.get('token');
  if (fromUrl) {
    try {
      storage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // storage disabled: the token still works until the tab is reloaded
    }
    query.delete('token');
    const rest = query.toString();
    const hash = hashParams.has('token') ? '#/queue' : loc.hash;
    history.replaceState(null, '', `${loc.pathname}${rest ? `?${rest}` : ''}${hash}`);
    return fromUrl;
  }
  try {
    return storage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

interface HttpDeps {
  fetch: typeof fetch;
  EventSource?: typeof EventSource;
  /** where the API lives, default the page's own origin */
  base?: string;
}

function unreachable(message: string): ApiResult<never> {
  return { ok: false, error: { code: 'UNREACHABLE', message } };
}

function isApiResult(v: unknown): v is ApiResult<unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (r.ok === true) return 'value' in r;
  return r.ok === false && typeof r.error?.code === 'string' && typeof r.error.message === 'string';
}

/** The headless server: POST /api/<method> with `{args}`, events over server-sent events. */
export function createHttpTransport(token: string | null, deps: HttpDeps): ApiTransport {
  const base = deps.base ?? '';
  const listeners = new Set<Listener>();
  let source: EventSource | null = null;

  const open = (): void => {
    if (source || !deps.EventSource || !token) return;
    source = new deps.EventSource(`${base}/api/events?token=${encodeURIComponent(token)}`);
    source.onmessage = (m: MessageEvent<string>) => {
      let event: StampedEvent;
      try {
        event = JSON.parse(m.data) as StampedEvent;
      } catch {
        return;
      }
      for (const l of [...listeners]) l(event);
    };
  };

  return {
    async call(method: ApiMethod, args: unknown): Promise<ApiResult<unknown>> {
      let res: Response;
      try {
        res = await deps.fetch(`${base}/api/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ args }),
          credentials: 'omit',
          cache: 'no-store',
        });
      } catch {
        return unreachable('The agent is not reachable. Is `outbox serve` still running?');
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        body = null;
      }
      if (isApiResult(body)) return body;
      return { ok: false, error: { code: `HTTP_${res.status}`, message: `The agent answered ${res.status} ${res.statusText}`.trim() } };
    },
    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
  };
}

/** IPC inside Electron, HTTP in a browser; the UI only ever sees AgentApi. */
export function connectToAgent(win: Window & typeof globalThis): AgentConnection {
  const bridge = win.outboxBridge;
  if (bridge) {
    return {
      api: createApiClient(bridge),
      kind: 'ipc',
      onNavigate: bridge.onNavigate ? (cb) => bridge.onNavigate!(cb) : undefined,
    };
  }
  const token = takeAccessToken(win.location, win.sessionStorage, win.history);
  const transport = createHttpTransport(token, { fetch: win.fetch.bind(win), EventSource: win.EventSource });
  return { api: createApiClient(transport), kind: 'http' };
}
