import { describe, expect, it } from 'vitest';
import { EventBus, needsPerson, PAUSE_REASONS, type StampedEvent } from '../../core/events.ts';

describe('EventBus', () => {
  it('reaches every subscriber in the same tick, stamped with a rising sequence and the time', () => {
    let t = 1000;
    const bus = new EventBus(() => t++);
    const a: StampedEvent[] = [];
    const b: StampedEvent[] = [];
    bus.subscribe((e) => a.push(e));
    bus.subscribe((e) => b.push(e));
    bus.emit({ type: 'resumed' });
    bus.emit({ type: 'changed', id: 7, action: 'held' });
    expect(a).toEqual([
      { type: 'resumed', seq: 1, at: 1000 },
      { type: 'changed', id: 7, action: 'held', seq: 2, at: 1001 },
    ]);
    expect(b).toEqual(a);
  });

  it('a listener that throws is reported and does not stop the others', () => {
    const reported: unknown[] = [];
    const bus = new EventBus(Date.now, (e) => reported.push(e));
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('broken tray');
    });
    bus.subscribe((e) => seen.push(e.type));
    bus.emit({ type: 'resumed' });
    expect(seen).toEqual(['resumed']);
    expect(reported).toEqual([new Error('broken tray')]);
  });

  it('unsubscribing stops delivery, also from inside a listener, without skipping the rest of that emit', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const offA = bus.subscribe(() => {
      seen.push('a');
      offA();
    });
    bus.subscribe(() => seen.push('b'));
    bus.emit({ type: 'resumed' });
    bus.emit({ type: 'resumed' });
    expect(seen).toEqual(['a', 'b', 'b']);
  });

  it('does not hand listeners the object the emitter keeps', () => {
    const bus = new EventBus();
    const event = { type: 'resumed' as const };
    let got: StampedEvent | null = null;
    bus.subscribe((e) => (got = e));
    bus.emit(event);
    expect(got).not.toBe(event);
    expect(event).toEqual({ type: 'resumed' });
  });
});

describe('needsPerson', () => {
  it('only a person clears user pauses, credentials, a missing connection and unexpected errors; the rest end by themselves', () => {
    expect(PAUSE_REASONS.filter(needsPerson)).toEqual(['user', 'credentials', 'not-connected', 'error']);
    expect(PAUSE_REASONS.filter((r) => !needsPerson(r))).toEqual(['throttled', 'offline', 'server', 'storage']);
  });
});
