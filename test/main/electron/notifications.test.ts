// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('electron', () => import('./fake-electron.ts'));
import type { StampedEvent } from '../../../core/events.ts';
import { AlertPlanner, setupNotifications } from '../../../main/electron/notifications.ts';
import { Notification, resetFakeElectron } from './fake-electron.ts';

let seq = 0;
const ev = (e: object) => ({ seq: ++seq, at: 0, ...e }) as StampedEvent;
const conflict = (id: number) => ev({ type: 'conflict', id, company: 'USMF', orderNumber: `SO-${id}`, fields: [] });

describe('AlertPlanner', () => {
  it('tells about the first conflict at once, then groups the next ones for 10 s', () => {
    const p = new AlertPlanner({ groupMs: 10_000 });
    p.observe(conflict(1), 0);
    expect(p.due(0)).toEqual([expect.objectContaining({ kind: 'conflict', route: '#/conflicts/1' })]);
    p.observe(conflict(2), 1_000);
    p.observe(conflict(3), 2_000);
    p.observe(conflict(4), 3_000);
    p.observe(conflict(4), 3_500);
    expect(p.due(3_500)).toEqual([]);
    expect(p.nextCheckAt()).toBe(10_000);
    const [group] = p.due(10_000);
    expect(group).toMatchObject({ kind: 'conflict', title: '3 new conflicts', route: '#/conflicts' });
    expect(group?.body).toBe('SO-2, SO-3, SO-4');
    expect(p.due(60_000)).toEqual([]);
    expect(p.nextCheckAt()).toBeNull();
  });

  it('says "D365 unreachable" once the outage has lasted N minutes, once per outage', () => {
    const p = new AlertPlanner({ offlineAfterMs: 5 * 60_000 });
    p.observe(ev({ type: 'paused', reason: 'offline', until: null, message: 'ECONNREFUSED' }), 0);
    expect(p.due(4 * 60_000)).toEqual([]);
    expect(p.nextCheckAt()).toBe(5 * 60_000);
    expect(p.due(5 * 60_000 + 1)).toEqual([expect.objectContaining({ kind: 'offline', title: 'D365 unreachable for 5 minutes' })]);
    expect(p.due(20 * 60_000)).toEqual([]);
    p.observe(ev({ type: 'resumed' }), 21 * 60_000);
    p.observe(ev({ type: 'paused', reason: 'offline', until: null, message: 'again' }), 22 * 60_000);
    expect(p.due(23 * 60_000)).toEqual([]);
    expect(p.due(27 * 60_000)).toHaveLength(1);
  });

  it('a long throttle says when sending resumes, once; an outage is left to the offline alert', () => {
    const p = new AlertPlanner();
    const until = Date.UTC(2026, 11, 1, 20, 15);
    p.observe(ev({ type: 'long-pause', reason: 'throttled', since: 0, until, message: 'Retry-After 3600' }), 0);
    const [alert] = p.due(0);
    expect(alert).toMatchObject({ kind: 'long-pause', title: 'D365 asked us to wait', body: expect.stringContaining(new Date(until).toLocaleTimeString()) });
    expect(p.due(1)).toEqual([]);
    p.observe(ev({ type: 'long-pause', reason: 'offline', since: 0, until, message: 'down' }), 2);
    expect(p.due(2)).toEqual([]);
  });

  it('a short outage says nothing', () => {
    const p = new AlertPlanner({ offlineAfterMs: 60_000 });
    p.observe(ev({ type: 'paused', reason: 'offline', until: null, message: '' }), 0);
    p.observe(ev({ type: 'resumed' }), 30_000);
    expect(p.due(120_000)).toEqual([]);
  });

  it('credentials rejected: at once, and not again within the repeat limit', () => {
    const p = new AlertPlanner({ credentialsRepeatMs: 600_000 });
    p.observe(ev({ type: 'paused', reason: 'credentials', until: null, message: '401' }), 0);
    expect(p.due(0)).toEqual([expect.objectContaining({ kind: 'credentials', route: '#/settings' })]);
    p.observe(ev({ type: 'resumed' }), 1_000);
    p.observe(ev({ type: 'paused', reason: 'credentials', until: null, message: '401' }), 2_000);
    expect(p.due(2_000)).toEqual([]);
    expect(p.due(600_000)).toHaveLength(1);
  });
});

describe('setupNotifications', () => {
  beforeEach(() => {
    resetFakeElectron();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('shows grouped native notifications; a click opens the conflict', () => {
    let emit: (e: StampedEvent) => void = () => {};
    const open = vi.fn();
    const stop = setupNotifications({ subscribe: (l) => ((emit = l), () => {}), open, now: () => Date.now(), groupMs: 10_000 });
    emit(conflict(12));
    expect(Notification.shown).toHaveLength(1);
    Notification.shown[0]!.emit('click');
    expect(open).toHaveBeenCalledWith('#/conflicts/12');
    emit(conflict(13));
    emit(conflict(14));
    expect(Notification.shown).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    expect(Notification.shown).toHaveLength(2);
    expect(Notification.shown[1]!.title).toBe('2 new conflicts');
    Notification.shown[1]!.emit('click');
    expect(open).toHaveBeenLastCalledWith('#/conflicts');
    stop();
  });

  it('shows nothing where the OS has no notifications', () => {
    Notification.supported = false;
    let emit: (e: StampedEvent) => void = () => {};
    setupNotifications({ subscribe: (l) => ((emit = l), () => {}), open: () => {} });
    emit(conflict(1));
    expect(Notification.shown).toHaveLength(0);
  });
});
