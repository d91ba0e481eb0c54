import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../../core/events.ts';
import { PauseControl, type PauseOptions } from '../../../core/engine/pause.ts';
import { FakeScheduler } from '../../support/fake-scheduler.ts';

const OPTS: PauseOptions = { probeMinMs: 1000, probeMaxMs: 60_000, longPauseMs: 15 * 60_000 };

function breaker(opts: PauseOptions = OPTS, random = () => 0.5) {
  const clock = new FakeScheduler();
  const events: AgentEvent[] = [];
  const control = new PauseControl(opts, clock.now, random, (e) => events.push(e));
  const types = () => events.map((e) => e.type);
  return { clock, events, control, types };
}

describe('PauseControl', () => {
  it("one 'paused' per episode: probes of one outage do not repeat it; another reason is a new episode", () => {
    const b = breaker();
    b.control.pause('offline', b.clock.now() + 1000, 'down');
    b.control.pause('offline', b.clock.now() + 2000, 'still down');
    b.control.probe('offline', 'still down');
    expect(b.types()).toEqual(['paused']);
    expect(b.control.current).toMatchObject({ reason: 'offline', message: 'still down' });
    b.control.pause('server', b.clock.now() + 1000, 'HTTP 500');
    expect(b.types()).toEqual(['paused', 'paused']);
    expect(b.events[1]).toEqual({ type: 'paused', reason: 'server', until: b.clock.now() + 1000, message: 'HTTP 500' });
  });

  it('every throttle is reported: each says how long D365 asks for', () => {
    const b = breaker();
    b.control.pause('throttled', b.clock.now() + 5000, 'wait 5 s');
    b.control.pause('throttled', b.clock.now() + 30_000, 'wait 30 s');
    expect(b.events).toEqual([
      { type: 'paused', reason: 'throttled', until: b.clock.now() + 5000, message: 'wait 5 s' },
      { type: 'paused', reason: 'throttled', until: b.clock.now() + 30_000, message: 'wait 30 s' },
    ]);
  });

  it('probes with capped exponential waits: min, ×2 per failed probe, at most max', () => {
    const b = breaker();
    const waits = Array.from({ length: 9 }, () => b.control.probe('offline', 'down'));
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(b.control.probes).toBe(9);
    expect(b.control.current!.until).toBe(b.clock.now() + 60_000);
  });

  it('spreads each probe by -20 % … +20 %', () => {
    expect(breaker(OPTS, () => 0).control.probe('offline', 'x')).toBe(800);
    expect(breaker(OPTS, () => 0.999999).control.probe('offline', 'x')).toBe(1200);
  });

  it("one 'long-pause' per episode once it has lasted longPauseMs, saying since when", async () => {
    const b = breaker();
    const since = b.clock.now();
    for (let minute = 0; minute < 40; minute++) {
      b.control.probe('offline', 'down');
      await b.clock.advance(60_000);
    }
    const long = b.events.filter((e) => e.type === 'long-pause');
    expect(long).toEqual([{ type: 'long-pause', reason: 'offline', since, until: expect.any(Number), message: 'down' }]);
    // raised at the first probe at or after 15 minutes, not before
    const at = b.events.findIndex((e) => e.type === 'long-pause');
    expect(b.events.slice(0, at).filter((e) => e.type === 'paused')).toHaveLength(1);
  });

  it("a pause that will outlast longPauseMs says so at once; a person's pause never does", () => {
    const b = breaker();
    b.control.pause('throttled', b.clock.now() + 20 * 60_000, 'Retry-After: 1200');
    expect(b.types()).toEqual(['paused', 'long-pause']);
    const p = breaker();
    p.control.pause('user', null, 'Paused by a person');
    expect(p.types()).toEqual(['paused']);
  });

  it('resume ends the episode: probes start again from the minimum, and a new outage is a new episode', async () => {
    const b = breaker();
    b.control.probe('offline', 'down');
    b.control.probe('offline', 'down');
    b.control.pause('offline', b.clock.now() + 20 * 60_000, 'down');
    b.control.resume();
    expect(b.control.current).toBeNull();
    expect(b.control.probes).toBe(0);
    expect(b.types()).toEqual(['paused', 'long-pause', 'resumed']);
    await b.clock.advance(1000);
    expect(b.control.probe('offline', 'down again')).toBe(1000);
    b.control.pause('offline', b.clock.now() + 20 * 60_000, 'down again');
    expect(b.types()).toEqual(['paused', 'long-pause', 'resumed', 'paused', 'long-pause']);
    expect(b.control.current!.since).toBe(b.clock.now());
  });

  it('resume when nothing is paused says nothing', () => {
    const b = breaker();
    b.control.resume();
    expect(b.events).toEqual([]);
  });
});
