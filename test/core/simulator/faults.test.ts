import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Simulator } from '../../../core/simulator/simulator.ts';
import { connect, foOrderPath, type TestClient } from './client.ts';

let sim: Simulator;
let client: TestClient;
const order1 = foOrderPath('USMF', 'SO-000001');

beforeEach(async () => {
  sim = await Simulator.start({ orders: 3 });
  client = await connect(sim);
});

afterEach(async () => {
  await sim.stop();
});

/** The network-level error code behind a failed fetch (ECONNREFUSED, UND_ERR_SOCKET, …). */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  while (current && typeof current === 'object') {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

describe('scripted faults', () => {
  it('throttles with Retry-After in seconds, visible in the request log, then serves normally', async () => {
    sim.script({ kind: 'throttle', retryAfter: 7 });
    const throttled = await client.get(order1);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(await throttled.json()).toMatchObject({ error: { code: 'TooManyRequests' } });
    expect((await client.get(order1)).status).toBe(200);
    expect(sim.requestLog.slice(-2).map((e) => [e.status, e.fault])).toEqual([
      [429, 'throttle'],
      [200, undefined],
    ]);
  });

  it('throttles with a 503 and an HTTP-date Retry-After', async () => {
    const until = new Date(Date.now() + 120_000);
    sim.script({ kind: 'throttle', status: 503, retryAfter: until });
    const response = await client.get(order1);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe(until.toUTCString());
    expect(Date.parse(response.headers.get('retry-after') ?? '')).toBe(Math.floor(until.getTime() / 1000) * 1000);
  });

  it('consumes faults in order, only on requests they match', async () => {
    sim.script(
      { kind: 'status', method: 'PATCH', status: 503, body: 'busy', contentType: 'text/plain' },
      { kind: 'status', pathIncludes: 'SO-000002', status: 418, headers: { 'x-why': 'teapot' } },
    );
    expect((await client.get(order1)).status).toBe(200);
    const teapot = await client.get(foOrderPath('USMF', 'SO-000002'));
    expect(teapot.status).toBe(418);
    expect(teapot.headers.get('x-why')).toBe('teapot');
    expect(sim.pendingFaults).toBe(1);
    const busy = await client.patch(order1, { SalesOrderName: 'x' }, { 'if-match': '*' });
    expect(busy.status).toBe(503);
    expect(await busy.text()).toBe('busy');
    expect(sim.writeLog).toHaveLength(0);
    expect(sim.pendingFaults).toBe(0);
  });

  it('resets the connection after the headers and part of the body', async () => {
    sim.script({ kind: 'reset' });
    const response = await client.get(order1);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect((await client.get(order1)).status).toBe(200);
  });

  it('resets a PATCH after applying it: the client cannot know it succeeded', async () => {
    sim.script({ kind: 'reset', method: 'PATCH' });
    const before = sim.etag('USMF', 'SO-000001');
    await expect(client.patch(order1, { SalesOrderName: 'applied' }, { 'if-match': before as string })).rejects.toThrow();
    expect(sim.order('USMF', 'SO-000001')?.SalesOrderName).toBe('applied');
    expect(sim.etag('USMF', 'SO-000001')).not.toBe(before);
  });

  it('answers with an HTML error page', async () => {
    sim.script({ kind: 'html' });
    const response = await client.get(order1);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toMatch(/^<!DOCTYPE html/);
  });

  it('answers 200 application/json with truncated JSON', async () => {
    sim.script({ kind: 'garbage' });
    const response = await client.get(order1);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const text = await response.text();
    expect(text.startsWith('{"@odata.context"')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('answers without @odata.etag and without the ETag header', async () => {
    sim.script({ kind: 'missing-etag' });
    const response = await client.get(order1);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBeNull();
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('@odata.etag');
    expect(body.SalesOrderNumber).toBe('SO-000001');
  });

  it('never answers a timed-out request; the client gives up and the next request is served', async () => {
    sim.script({ kind: 'timeout' });
    const started = Date.now();
    await expect(fetch(`${sim.url}${order1}`, { headers: { authorization: `Bearer ${client.token}` }, signal: AbortSignal.timeout(300) })).rejects.toThrow(
      /aborted|timeout/i,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await client.get(order1)).status).toBe(200);
    expect(sim.requestLog.find((e) => e.fault === 'timeout')?.status).toBe(0);
  });

  it('lets stop() end a request that is being held', async () => {
    sim.script({ kind: 'timeout' });
    const pending = fetch(`${sim.url}${order1}`, { headers: { authorization: `Bearer ${client.token}` }, signal: AbortSignal.timeout(5000) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sim.stop();
    await expect(pending).rejects.toThrow();
  });

  it('can apply a request it never answers (timeout with applied:true)', async () => {
    sim.script({ kind: 'timeout', method: 'PATCH', applied: true });
    const patch = fetch(`${sim.url}${order1}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json', 'if-match': '*' },
      body: JSON.stringify({ SalesOrderName: 'silently applied' }),
      signal: AbortSignal.timeout(300),
    });
    await expect(patch).rejects.toThrow(/aborted|timeout/i);
    expect(sim.order('USMF', 'SO-000001')?.SalesOrderName).toBe('silently applied');
  });

  it('refuses a scripted writer naming an unknown field up front', () => {
    expect(() => sim.script({ kind: 'writer', fields: { Nope: 'x' } })).toThrow(/Nope/);
    expect(sim.pendingFaults).toBe(0);
  });

  it('writes as another user just before handling the request', async () => {
    const etag = sim.etag('USMF', 'SO-000001') as string;
    sim.script({ kind: 'writer', fields: { RequestedShippingDate: '2027-03-01T12:00:00Z' } });
    const response = await client.patch(order1, { RequestedShippingDate: '2027-04-01T12:00:00Z' }, { 'if-match': etag });
    expect(response.status).toBe(412);
    expect(sim.order('USMF', 'SO-000001')?.RequestedShippingDate).toBe('2027-03-01T12:00:00Z');
    expect(sim.writeLog.map((e) => [e.by, e.fields])).toEqual([['writer', { RequestedShippingDate: '2027-03-01T12:00:00Z' }]]);
  });
});

describe('random faults', () => {
  async function outcomes(seed: number): Promise<string[]> {
    const faulty = await Simulator.start({ orders: 2, seed, faults: { throttle: 0.2, html: 0.2, garbage: 0.1, missingEtag: 0.2 } });
    try {
      const c = await connect(faulty);
      const out: string[] = [];
      for (let i = 0; i < 25; i++) {
        const response = await c.get(foOrderPath('USMF', 'SO-000001'));
        out.push(`${response.status}:${response.headers.get('etag') ? 'etag' : 'none'}`);
        await response.text();
      }
      return out;
    } finally {
      await faulty.stop();
    }
  }

  it('draws faults from the seed: the same seed gives the same sequence', async () => {
    const first = await outcomes(42);
    expect(first).toContain('429:none');
    expect(first).toContain('502:none');
    expect(first).toContain('200:etag');
    expect(await outcomes(42)).toEqual(first);
    expect(await outcomes(43)).not.toEqual(first);
  });

  it('does not fault the token endpoint', async () => {
    sim.setFaults({ html: 1 });
    expect((await connect(sim)).token).toBeTruthy();
    expect((await client.get(order1)).status).toBe(502);
    sim.setFaults({});
    expect((await client.get(order1)).status).toBe(200);
  });
});

describe('latency and offline', () => {
  it('delays every answer by latencyMs', async () => {
    sim.setLatency(150);
    const started = Date.now();
    expect((await client.get(order1)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    sim.setLatency(0);
  });

  it('refuses connections while offline and serves again on the same port', async () => {
    const port = sim.port;
    expect((await client.get(order1)).status).toBe(200);
    await sim.setOffline(true);
    const failure = (): Promise<unknown> =>
      client.get(order1).then(
        () => undefined,
        (e: unknown) => e,
      );
    const first = await failure();
    expect(first).toBeDefined();
    // a pooled keep-alive connection may die under the first request (socket error) before
    // the client notices; from then on every connection attempt is refused
    if (causeCode(first) !== 'ECONNREFUSED') expect(causeCode(first)).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
    expect(causeCode(await failure())).toBe('ECONNREFUSED');
    await sim.setOffline(false);
    expect(sim.port).toBe(port);
    expect(sim.url).toBe(`http://127.0.0.1:${port}`);
    expect((await client.get(order1)).status).toBe(200);
  });
});
