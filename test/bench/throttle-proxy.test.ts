/**
 * The throttling front the throttling figures rest on, over real HTTP with a hand-moved clock:
 * over the window, 429 with a Retry-After that is honoured exactly; pushing makes the next wait
 * longer; token requests pass uncounted; what passes reaches the simulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Simulator } from '../../core/simulator/simulator.ts';
import { ThrottlingProxy } from './throttle-proxy.ts';

const ORDER = "/data/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-000001')?cross-company=true";
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function front() {
  let t = 1_000_000;
  const sim = await Simulator.start({ orders: 2 });
  stops.push(() => sim.stop());
  const proxy = await ThrottlingProxy.start(sim.url, { windowMs: 1_000, limit: 3, pushPenaltyMs: 1_000, maxWaitS: 60 }, () => t);
  stops.push(() => proxy.stop());
  const get = async (path = ORDER) => {
    const res = await fetch(proxy.url + path);
    await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  };
  return { proxy, get, advance: (ms: number) => (t += ms) };
}

describe('the throttling front', () => {
  it('lets the window through to the simulator, then answers 429 with when to come back', async () => {
    const { proxy, get } = await front();
    // No token: the simulator itself answers 401, which shows the request reached it.
    for (let i = 0; i < 3; i++) expect(await get()).toEqual({ status: 401, retryAfter: null });
    expect(await get()).toEqual({ status: 429, retryAfter: '1' });
    expect(proxy.requests).toBe(4);
    expect(proxy.throttled).toBe(1);
  });

  it('keeps its word: a client that waits Retry-After gets through', async () => {
    const { get, advance } = await front();
    for (let i = 0; i < 3; i++) await get();
    const { retryAfter } = await get();
    advance(Number(retryAfter) * 1000);
    expect((await get()).status).toBe(401);
  });

  it('makes a client that keeps pushing wait longer the next time', async () => {
    const { get, advance } = await front();
    for (let i = 0; i < 3; i++) await get();
    expect((await get()).retryAfter).toBe('1');
    // Two more tries inside the block: refused, and each one counts.
    expect(await get()).toEqual({ status: 429, retryAfter: '1' });
    advance(500);
    expect(await get()).toEqual({ status: 429, retryAfter: '1' });
    advance(500);
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(401);
    // Room again in 1 s, plus 1 s for each of the three 429s of the last minute.
    expect((await get()).retryAfter).toBe('4');
  });

  it('does not count token requests', async () => {
    const { proxy, get } = await front();
    for (let i = 0; i < 5; i++) await get('/sim-tenant/oauth2/v2.0/token');
    expect(proxy.requests).toBe(0);
    expect((await get()).status).toBe(401);
  });
});
