import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus, ApiResult } from '../../../core/api.ts';
import { MemorySecretStore } from '../../../core/secrets.ts';
import { serve, type RunningServer } from '../../../main/server/serve.ts';
import { rawRequest, type RawResponse } from './http-client.ts';

/** A real server on 127.0.0.1 with a real agent (simulator mode) and a small stand-in UI. */
describe('serve()', () => {
  let root = '';
  let server: RunningServer;
  let origin = '';
  let host = '';
  const logs: string[] = [];
  const responses: RawResponse[] = [];

  const call = async (method: string, args: unknown, headers: Record<string, string> = {}): Promise<RawResponse> => {
    const r = await rawRequest(origin, {
      method: 'POST',
      path: `/api/${method}`,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, ...headers },
      body: JSON.stringify({ args }),
    });
    responses.push(r);
    return r;
  };
  const result = <T>(r: RawResponse) => JSON.parse(r.body) as ApiResult<T>;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-serve-'));
    const ui = path.join(root, 'ui');
    fs.mkdirSync(path.join(ui, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>Outbox Agent</title>');
    fs.writeFileSync(path.join(ui, 'assets', 'app.js'), 'export {};');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'outside the UI folder');
    server = await serve({
      dataDir: path.join(root, 'data'),
      uiDir: ui,
      env: { OUTBOX_USER: 'test@server' },
      secrets: new MemorySecretStore(),
      log: (l) => logs.push(l),
    });
    const u = new URL(server.url);
    origin = u.origin;
    host = u.host;
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('prints a loopback URL carrying a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(new URL(server.url).searchParams.get('token')).toBe(server.token);
  });

  it('answers 401 without a token and with a wrong one', async () => {
    const none = await rawRequest(origin, { method: 'POST', path: '/api/status', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(result(none)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });

    const wrong = await call('status', undefined, { Authorization: `Bearer ${server.token.slice(0, -1)}x` });
    expect(wrong.status).toBe(401);
    // The token belongs in the header for calls; a query string token is only for the event stream.
    const inQuery = await rawRequest(origin, { method: 'POST', path: `/api/status?token=${server.token}`, headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(inQuery.status).toBe(401);
    const events = await rawRequest(origin, { path: '/api/events?token=nope' });
    expect(events.status).toBe(401);
  });

  it('refuses a Host header other than 127.0.0.1 or localhost (DNS rebinding)', async () => {
    const rebound = await call('status', undefined, { Host: `evil.example:${new URL(origin).port}` });
    expect(rebound.status).toBe(421);
    const otherPort = await call('status', undefined, { Host: '127.0.0.1:1' });
    expect(otherPort.status).toBe(421);
    const page = await rawRequest(origin, { path: '/', headers: { Host: 'evil.example' } });
    expect(page.status).toBe(421);
    const localhost = await call('status', undefined, { Host: `localhost:${new URL(origin).port}` });
    expect(localhost.status).toBe(200);
  });

  it('refuses a foreign Origin and accepts its own', async () => {
    const foreign = await call('status', undefined, { Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(result(foreign)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_ORIGIN' } });
    expect((await call('status', undefined, { Origin: 'null' })).status).toBe(403);
    expect((await call('status', undefined, { Origin: `http://${host}` })).status).toBe(200);
  });

  it('refuses an oversized body with 413', async () => {
    const big = JSON.stringify({ args: { orderNumber: 'SO-1', fields: { SalesOrderName: 'x'.repeat(1024 * 1024 + 10) } } });
    const r = await rawRequest(origin, {
      method: 'POST',
      path: '/api/enqueue',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
      body: big,
    }).catch((e: NodeJS.ErrnoException) => ({ status: -1, headers: {}, body: String(e.code) }));
    expect(r.status).toBe(413);
    expect(result(r)).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    // Chunked, so the size is only known while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const u = new URL(origin);
      const req = http.request(
        { host: u.hostname, port: u.port, method: 'POST', path: '/api/status', agent: false, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, 'Transfer-Encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(100 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);
    // An import may be large: the same size is accepted there (and then checked row by row).
    const csv = `order,SalesOrderName\nSO-1,${'y'.repeat(1024 * 1024 + 10)}\n`;
    const preview = await call('previewImport', { csv });
    expect(preview.status).toBe(200);
  });

  it('answers malformed JSON with 400 and a clear ApiResult', async () => {
    const r = await rawRequest(origin, {
      method: 'POST',
      path: '/api/status',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
      body: '{"args": ',
    });
    expect(r.status).toBe(400);
    const body = result(r);
    expect(body.ok).toBe(false);
    if (!body.ok) {
      expect(body.error.code).toBe('BAD_JSON');
      expect(body.error.message).toMatch(/not valid JSON/);
    }
    const array = await rawRequest(origin, { method: 'POST', path: '/api/status', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` }, body: '[]' });
    expect(array.status).toBe(400);
  });

  it('validates arguments with the same schemas as IPC', async () => {
    const r = await call('enqueue', { orderNumber: 'SO-1', fields: { SalesOrderStatus: 'Delivered' }, sneaky: true });
    expect(r.status).toBe(400);
    expect(result(r)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    const missing = await call('getUpdate', { id: 999_999 });
    expect(missing.status).toBe(404);
  });

  it('answers an unknown method, a wrong verb and a non-JSON body with errors', async () => {
    const unknown = await call('dropDatabase', {});
    expect(unknown.status).toBe(404);
    expect(result(unknown)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    const proto = await call('__proto__', {});
    expect(proto.status).toBe(404);
    const get = await rawRequest(origin, { path: '/api/status', headers: { Authorization: `Bearer ${server.token}` } });
    expect(get.status).toBe(405);
    const form = await rawRequest(origin, { method: 'POST', path: '/api/status', headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${server.token}` }, body: '{}' });
    expect(form.status).toBe(415);
  });

  it('counts an enqueued update in status', async () => {
    expect((await call('pauseDrain', undefined)).status).toBe(200);
    const before = result<AgentStatus>(await call('status', undefined));
    const queued = await call('enqueue', { orderNumber: 'SO-000004', fields: { DeliveryModeCode: '20' } });
    expect(queued.status).toBe(200);
    expect(result(queued)).toMatchObject({ ok: true, value: { coalesced: false } });
    const after = result<AgentStatus>(await call('status', undefined));
    if (!before.ok || !after.ok) throw new Error('status failed');
    expect(after.value.counts.pending).toBe(before.value.counts.pending + 1);
    expect(after.value.drain.paused?.reason).toBe('user');
    await call('resumeDrain', undefined);
  });

  it('streams agent events over SSE and lets go when the client leaves', async () => {
    const u = new URL(origin);
    const received: string[] = [];
    const req = http.get({ host: u.hostname, port: u.port, path: `/api/events?token=${server.token}`, agent: false });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const queuedEvent = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no queued event; got ${received.join('')}`)), 10_000);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        received.push(chunk);
        for (const block of received.join('').split('\n\n')) {
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const event = JSON.parse(data.slice(6)) as Record<string, unknown>;
          if (event.type === 'queued' && event.orderNumber === 'SO-000009') {
            clearTimeout(timer);
            resolve(event);
          }
        }
      });
    });
    await call('enqueue', { orderNumber: 'SO-000009', fields: { CustomerRequisitionNumber: 'PO-9' } });
    const event = await queuedEvent;
    expect(event).toMatchObject({ type: 'queued', company: 'USMF', orderNumber: 'SO-000009', coalesced: false });
    expect(typeof event.seq).toBe('number');
    const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
    req.destroy();
    await closed;
  });

  it('serves the UI with security headers and without the token', async () => {
    const page = await rawRequest(origin, { path: '/' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Outbox Agent</title>');
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const js = await rawRequest(origin, { path: '/assets/app.js' });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await rawRequest(origin, { path: '/missing.js' })).status).toBe(404);
  });

  it('refuses path traversal out of the UI folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%2e%2e%2fsecret.txt', '/assets/%00.js']) {
      const r = await rawRequest(origin, { path: p });
      expect([400, 404], p).toContain(r.status);
      expect(r.body, p).not.toContain('outside the UI folder');
    }
  });

  it('never sends CORS headers', async () => {
    const preflight = await rawRequest(origin, {
      method: 'OPTIONS',
      path: '/api/status',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    for (const r of [...responses, preflight, await rawRequest(origin, { path: '/' })]) {
      expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('does not warn when bound to loopback', () => {
    expect(logs.join('\n')).not.toMatch(/WARNING/);
  });
});

describe('serve() on another host', () => {
  it('warns loudly', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-serve-'));
    fs.mkdirSync(path.join(root, 'ui'));
    fs.writeFileSync(path.join(root, 'ui', 'index.html'), '<!doctype html>');
    const logs: string[] = [];
    const s = await serve({ dataDir: path.join(root, 'data'), uiDir: path.join(root, 'ui'), host: '0.0.0.0', secrets: new MemorySecretStore(), log: (l) => logs.push(l) });
    try {
      expect(logs.join('\n')).toMatch(/WARNING: listening on 0\.0\.0\.0/);
      // Reached by IP literal: fine, those cannot be rebound; by a DNS name: refused.
      const port = new URL(s.url).port;
      const byIp = await rawRequest(`http://127.0.0.1:${port}`, { path: '/', headers: { Host: `127.0.0.2:${port}` } });
      expect(byIp.status).toBe(200);
      const byName = await rawRequest(`http://127.0.0.1:${port}`, { path: '/', headers: { Host: `attacker.example:${port}` } });
      expect(byName.status).toBe(421);
    } finally {
      await s.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('says to run npm run build:ui when the UI is missing and cannot be built', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-serve-'));
    try {
      await expect(serve({ dataDir: path.join(root, 'data'), uiDir: path.join(root, 'nothing'), secrets: new MemorySecretStore(), log: () => {} })).rejects.toThrow(
        /npm run build:ui/,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
