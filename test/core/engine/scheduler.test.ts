import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, realScheduler } from '../../../core/engine/scheduler.ts';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('realScheduler.sleep', () => {
  it('waits as long as asked', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let done = false;
    void realScheduler.sleep(5000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });

  it('a wait longer than 2^31−1 ms neither overflows (firing at once) nor re-arms in a busy loop', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const wait = 40 * 24 * 3_600_000; // 40 days: D365 may ask for any Retry-After
    expect(wait).toBeGreaterThan(MAX_TIMER_MS);
    let done = false;
    void realScheduler.sleep(wait).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1001);
    expect(done).toBe(false);
    // an overflowing timer fires after 1 ms: re-armed a thousand times by now
    expect(timers.mock.calls.length).toBe(1);
    for (const ms of [60_000, MAX_TIMER_MS]) {
      await vi.advanceTimersByTimeAsync(ms);
      expect(done).toBe(false);
    }
    await vi.advanceTimersByTimeAsync(wait - (1001 + 60_000 + MAX_TIMER_MS) - 1);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    // in pieces of at most 2^31−1 ms: two timers for 40 days, never one per millisecond
    expect(timers.mock.calls.length).toBeLessThanOrEqual(3);
    for (const [, ms] of timers.mock.calls) expect(ms).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it('an abort cuts a long wait short and leaves no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const stop = new AbortController();
    let done = false;
    void realScheduler.sleep(2 ** 40, stop.signal).then(() => (done = true));
    expect(vi.getTimerCount()).toBe(1);
    stop.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an already-aborted signal or a wait of zero or less resolves at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let n = 0;
    void realScheduler.sleep(60_000, AbortSignal.abort()).then(() => n++);
    void realScheduler.sleep(-5).then(() => n++);
    await vi.advanceTimersByTimeAsync(0);
    expect(n).toBe(2);
  });

  it('now() is the wall clock', () => {
    const before = Date.now();
    const t = realScheduler.now();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
