import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { cut, Listener, readBody, requestHeaders, send } from '../../../core/simulator/listener.ts';

const open: Listener[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});

async function listen(handler: http.RequestListener): Promise<Listener> {
  const l = await Listener.open(0, handler);
  open.push(l);
  return l;
}

/** A real request; resolves with the status and body, or the error the client saw. */
function get(port: number, body?: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/x', method: body ? 'POST' : 'GET', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
      res.on('aborted', () => resolve({ error: 'aborted' }));
    });
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end(body);
  });
}

describe('Listener: the simulator on the wire', () => {
  it('serves on 127.0.0.1; going offline refuses connections and cuts open ones; back on the same port', async () => {
    let hold = false;
    const l = await listen((req, res) => {
      if (hold) return; // an open request, like one waiting on latency
      send(res, { status: 200, headers: {}, body: `hello ${requestHeaders(req).host}` });
    });
    expect(await get(l.port)).toEqual({ status: 200, body: `hello 127.0.0.1:${l.port}` });
    hold = true;
    const pending = get(l.port);
    await new Promise((r) => setTimeout(r, 50));
    const signal = l.signal;
    await l.close();
    expect(signal.aborted).toBe(true);
    expect(await pending).toMatchObject({ error: expect.stringMatching(/ECONNRESET|socket hang up/) });
    expect(await get(l.port)).toEqual({ error: 'ECONNREFUSED' });
    hold = false;
    await l.reopen();
    expect(l.signal.aborted).toBe(false);
    expect(await get(l.port)).toMatchObject({ status: 200 });
  });

  it('reads a request body', async () => {
    const l = await listen((req, res) => void readBody(req).then((b) => send(res, { status: 200, headers: {}, body: b.toUpperCase() })));
    expect(await get(l.port, 'ünïcødé')).toEqual({ status: 200, body: 'ÜNÏCØDÉ' });
  });

  it('send() drops the connection instead of crashing on a header Node refuses', async () => {
    const l = await listen((_req, res) => send(res, { status: 200, headers: { 'X-Bad': 'line\nbreak' }, body: 'x' }));
    expect(await get(l.port)).toMatchObject({ error: expect.any(String) });
    // the listener is still there for the next request
    expect(await get(l.port)).toMatchObject({ error: expect.any(String) });
    expect(l.signal.aborted).toBe(false);
  });

  it('cut() sends the headers and half the body, then the connection dies', async () => {
    let wentOut: boolean | null = null;
    const l = await listen((req, res) => {
      wentOut = cut(req, res, { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"value":[1,2,3,4,5,6,7,8]}' });
    });
    const r = await get(l.port);
    expect(wentOut).toBe(true);
    expect('error' in r || (r as { body: string }).body.length < 27).toBe(true);
    const empty = await listen((req, res) => {
      wentOut = cut(req, res, { status: 204, headers: {}, body: '' });
    });
    expect(await get(empty.port)).toMatchObject({ error: expect.any(String) });
    expect(wentOut).toBe(false);
  });

  it('requestHeaders joins repeated headers', () => {
    const fake = { headers: { a: '1', 'set-cookie': ['x', 'y'], gone: undefined } } as unknown as http.IncomingMessage;
    expect(requestHeaders(fake)).toEqual({ a: '1', 'set-cookie': 'x, y' });
  });
});
