import { describe, expect, it, vi } from 'vitest';
import type { StampedEvent } from '../../core/events.ts';
import { TOKEN_KEY, connectToAgent, createHttpTransport, takeAccessToken, type OutboxBridge } from '../../renderer/transport.ts';

class MemoryStorage implements Storage {
  private readonly m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
}

describe('takeAccessToken', () => {
  it('takes ?token=, keeps it for the tab, and strips it from the address bar', () => {
    const storage = new MemoryStorage();
    const history = { replaceState: vi.fn() };
    expect(takeAccessToken({ pathname: '/', search: '?token=abc&x=1', hash: '#/log' }, storage, history)).toBe('abc');
    expect(storage.getItem(TOKEN_KEY)).toBe('abc');
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/?x=1#/log');
    // After a reload the address bar no longer has it: sessionStorage does.
    expect(takeAccessToken({ pathname: '/', search: '', hash: '#/log' }, storage, history)).toBe('abc');
  });

  it('takes #token= too', () => {
    const history = { replaceState: vi.fn() };
    expect(takeAccessToken({ pathname: '/', search: '', hash: '#token=xyz' }, new MemoryStorage(), history)).toBe('xyz');
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/#/queue');
  });
});

describe('createHttpTransport', () => {
  it('POSTs {args} with the bearer token and returns the ApiResult', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ ok: true, value: 7 }), { status: 200 }));
    const t = createHttpTransport('tok', { fetch: fetch as unknown as typeof globalThis.fetch });
    await expect(t.call('getUpdate', { id: 7 })).resolves.toEqual({ ok: true, value: 7 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/getUpdate');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"args":{"id":7}}');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('turns a network failure or a non-ApiResult answer into an error result', async () => {
    const down = createHttpTransport('tok', { fetch: (async () => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch });
    await expect(down.call('status', undefined)).resolves.toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } });
    const proxy = createHttpTransport('tok', { fetch: (async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })) as typeof fetch });
    await expect(proxy.call('status', undefined)).resolves.toMatchObject({ ok: false, error: { code: 'HTTP_502' } });
  });

  it('opens one event stream for all subscribers and closes it after the last leaves', () => {
    const sources: { url: string; onmessage: ((m: { data: string }) => void) | null; close: ReturnType<typeof vi.fn> }[] = [];
    class FakeEventSource {
      onmessage: ((m: { data: string }) => void) | null = null;
      close = vi.fn();
      readonly url: string;
      constructor(url: string) {
        this.url = url;
        sources.push(this);
      }
    }
    const t = createHttpTransport('t/k', { fetch: vi.fn() as unknown as typeof fetch, EventSource: FakeEventSource as unknown as typeof EventSource });
    const a: StampedEvent[] = [];
    const b: StampedEvent[] = [];
    const offA = t.subscribe((e) => a.push(e));
    const offB = t.subscribe((e) => b.push(e));
    expect(sources).toHaveLength(1);
    expect(sources[0]!.url).toBe('/api/events?token=t%2Fk');
    sources[0]!.onmessage!({ data: JSON.stringify({ type: 'resumed', seq: 1, at: 1 }) });
    sources[0]!.onmessage!({ data: 'not json' });
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    offA();
    expect(sources[0]!.close).not.toHaveBeenCalled();
    offB();
    expect(sources[0]!.close).toHaveBeenCalled();
  });
});

describe('connectToAgent', () => {
  it('uses the Electron bridge when there is one', async () => {
    const bridge: OutboxBridge = { call: vi.fn(async () => ({ ok: true as const, value: 'ipc' })), subscribe: vi.fn(() => () => {}), onNavigate: vi.fn(() => () => {}) };
    const win = { outboxBridge: bridge } as unknown as Window & typeof globalThis;
    const c = connectToAgent(win);
    expect(c.kind).toBe('ipc');
    await expect(c.api.status({})).resolves.toBe('ipc');
    expect(bridge.call).toHaveBeenCalledWith('status', {});
    expect(c.onNavigate).toBeDefined();
  });
});
