// @vitest-environment node
import { beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('electron', () => import('./fake-electron.ts'));
import type { StampedEvent } from '../../../core/events.ts';
import type { StateCounts } from '../../../core/outbox/types.ts';
import { setupTray, trayMenuTemplate, trayModelAfter, trayModelFrom, trayViewOf, type TrayActions, type TrayModel } from '../../../main/electron/tray.ts';
import { Tray, resetFakeElectron } from './fake-electron.ts';

const counts = (over: Partial<StateCounts> = {}): StateCounts => ({ pending: 0, sending: 0, done: 0, conflict: 0, failed: 0, held: 0, ...over });
const idle: TrayModel = { counts: counts(), failedNeedingLook: 0, paused: null, sending: false };
let seq = 0;
const ev = (e: object) => ({ seq: ++seq, at: 0, ...e }) as StampedEvent;

function actions(): TrayActions & Record<string, ReturnType<typeof vi.fn>> {
  return { open: vi.fn(), pause: vi.fn(), resume: vi.fn(), drainNow: vi.fn(), openConflicts: vi.fn(), quit: vi.fn() };
}

beforeEach(() => resetFakeElectron());

describe('tray state from agent events', () => {
  it('goes idle → draining → paused (offline) → draining → conflicts', () => {
    let m = idle;
    expect(trayViewOf(m).icon).toBe('idle');
    m = trayModelAfter(m, ev({ type: 'progress', counts: counts({ pending: 4 }), sentThisRun: 0, ratePerMinute: 0 }));
    expect(trayViewOf(m).icon).toBe('draining');
    expect(trayViewOf(m).tooltip).toContain('4 waiting');
    m = trayModelAfter(m, ev({ type: 'paused', reason: 'offline', until: null, message: 'connect ECONNREFUSED' }));
    expect(trayViewOf(m).icon).toBe('paused');
    expect(trayViewOf(m).tooltip).toContain('D365 unreachable: connect ECONNREFUSED');
    m = trayModelAfter(m, ev({ type: 'resumed' }));
    expect(trayViewOf(m).icon).toBe('draining');
    m = trayModelAfter(m, ev({ type: 'sending', id: 3, company: 'USMF', orderNumber: 'SO-3' }));
    m = trayModelAfter(m, ev({ type: 'conflict', id: 3, company: 'USMF', orderNumber: 'SO-3', fields: [] }));
    const v = trayViewOf(m);
    expect(v.icon).toBe('conflicts');
    expect(v.conflicts).toBe(1);
    expect(v.tooltip).toContain('1 conflict');
  });

  it('conflicts waiting outrank a pause; a pause outranks draining', () => {
    const paused = { reason: 'throttled' as const, message: 'Retry-After 30' };
    expect(trayViewOf({ counts: counts({ pending: 2, conflict: 1 }), failedNeedingLook: 0, paused, sending: false }).icon).toBe('conflicts');
    expect(trayViewOf({ counts: counts({ pending: 2 }), failedNeedingLook: 0, paused, sending: false }).icon).toBe('paused');
  });

  it('starts from the agent status', () => {
    const m = trayModelFrom({
      counts: counts({ pending: 1 }),
      mode: 'demo',
      connection: null,
      target: 'http://127.0.0.1:1',
      company: 'USMF',
      drain: { running: true, paused: { reason: 'user', until: null, message: 'Paused by a person', since: 0 }, inFlight: null, sentThisRun: 0 },
      notices: [],
      failedNeedingLook: 0,
    });
    expect(m.paused?.reason).toBe('user');
    expect(trayViewOf(m).pausedByUser).toBe(true);
  });
});

describe('tray words', () => {
  it('failures ask for a look; not connected says so; Drain now only where it can help', () => {
    const failed = trayViewOf({ counts: counts({ pending: 2, failed: 4 }), failedNeedingLook: 3, paused: null, sending: false });
    expect(failed.tooltip).toContain('3 failed — need a look');
    const off = trayViewOf({ counts: counts({ pending: 3 }), failedNeedingLook: 0, paused: { reason: 'not-connected', message: 'No D365 connection is configured.' }, sending: false });
    expect(off.tooltip).toContain('Not connected to D365: No D365 connection is configured.');
    expect(off.canDrainNow).toBe(false);
    expect(trayViewOf({ counts: counts(), failedNeedingLook: 0, paused: { reason: 'offline', message: 'down' }, sending: false }).canDrainNow).toBe(true);
  });
});

describe('tray menu', () => {
  it('offers open, pause, drain now, conflict log and quit, each wired to its action', () => {
    const a = actions();
    const items = trayMenuTemplate(trayViewOf(idle), a);
    expect(items.filter((i) => i.id).map((i) => i.id)).toEqual(['open', 'pause', 'drain-now', 'conflicts', 'quit']);
    for (const item of items) (item.click as (() => void) | undefined)?.();
    expect(a.open).toHaveBeenCalledOnce();
    expect(a.pause).toHaveBeenCalledOnce();
    expect(a.drainNow).toHaveBeenCalledOnce();
    expect(a.openConflicts).toHaveBeenCalledOnce();
    expect(a.quit).toHaveBeenCalledOnce();
    expect(a.resume).not.toHaveBeenCalled();
  });

  it('a person’s pause turns Pause into Resume and disables Drain now; credentials too', () => {
    const user = trayMenuTemplate(trayViewOf({ ...idle, paused: { reason: 'user', message: '' } }), actions());
    expect(user.map((i) => i.id)).toContain('resume');
    expect(user.find((i) => i.id === 'drain-now')?.enabled).toBe(false);
    const creds = trayMenuTemplate(trayViewOf({ ...idle, paused: { reason: 'credentials', message: '401' } }), actions());
    expect(creds.map((i) => i.id)).toContain('pause');
    expect(creds.find((i) => i.id === 'drain-now')?.enabled).toBe(false);
    const offline = trayMenuTemplate(trayViewOf({ ...idle, paused: { reason: 'offline', message: '' } }), actions());
    expect(offline.find((i) => i.id === 'drain-now')?.enabled).toBe(true);
  });

  it('setupTray paints icon, tooltip and menu, and repaints on change', () => {
    const a = actions();
    const handle = setupTray('/icons', idle, a);
    const tray = Tray.all[0]!;
    expect((tray.image as { path: string }).path).toBe('/icons/tray-idle.png');
    handle.show({ ...idle, counts: counts({ conflict: 2 }) });
    expect((tray.image as { path: string }).path).toBe('/icons/tray-conflicts.png');
    expect(tray.tooltip).toContain('2 conflicts');
    expect(tray.menu?.template.find((i) => i.id === 'conflicts')?.label).toBe('Open conflict log (2 waiting)');
    tray.emit('click');
    expect(a.open).toHaveBeenCalledOnce();
    handle.destroy();
    expect(tray.destroyed).toBe(true);
  });
});
