// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentEvent } from '../../core/events.ts';
import { DesktopAlerts } from '../../renderer/app/desktop-alerts.ts';
import { ToastProvider } from '../../renderer/app/toasts.tsx';
import { ConflictAlerts } from '../../renderer/conflicts/ConflictAlerts.tsx';
import { fakeApi } from './fake-api.ts';
import { TestProviders } from './providers.tsx';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const conflict = (n: number): AgentEvent => ({
  type: 'conflict',
  id: n,
  company: 'USMF',
  orderNumber: `SO-${String(n).padStart(6, '0')}`,
  fields: [{ field: 'DeliveryModeCode', base: '10', ours: 'AIR', theirs: 'TRUCK' }],
});

function renderAlerts() {
  const api = fakeApi();
  render(
    <TestProviders api={api}>
      <ToastProvider>
        <ConflictAlerts />
      </ToastProvider>
    </TestProviders>,
  );
  return api;
}

const toasts = () => [...document.querySelectorAll('.toast')].map((el) => el.querySelector('strong')?.textContent);

describe('alerts', () => {
  it('groups a burst of conflicts into one toast that counts, in one polite live region', () => {
    const api = renderAlerts();
    act(() => {
      for (let n = 1; n <= 12; n++) api.emit(conflict(n));
    });
    expect(toasts()).toEqual(['12 new conflicts']);
    expect(screen.getByRole('link', { name: 'Review' }).getAttribute('href')).toBe('#/conflicts');
    expect(document.querySelectorAll('[aria-live]')).toHaveLength(1);
    expect(document.querySelector('[aria-live]')!.getAttribute('aria-live')).toBe('polite');
    expect(document.querySelectorAll('[role="alert"]')).toHaveLength(0);
  });

  it('one conflict links to itself; Dismiss all clears and the next burst counts from one again', () => {
    const api = renderAlerts();
    act(() => api.emit(conflict(7)));
    expect(toasts()).toEqual(['Conflict on USMF / SO-000007']);
    expect(screen.getByRole('link', { name: 'Review' }).getAttribute('href')).toBe('#/conflicts/7');
    act(() => api.emit({ type: 'failed', id: 8, company: 'USMF', orderNumber: 'SO-000008', error: { code: 'VALIDATION', message: 'no' } }));
    act(() => api.emit({ type: 'failed', id: 9, company: 'USMF', orderNumber: 'SO-000009', error: { code: 'VALIDATION', message: 'no' } }));
    expect(toasts()).toEqual(['Conflict on USMF / SO-000007', '2 updates failed']);
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss all' }));
    expect(toasts()).toEqual([]);
    act(() => {
      api.emit(conflict(10));
      api.emit(conflict(11));
    });
    expect(toasts()).toEqual(['2 new conflicts']);
  });

  it('says a long pause in plain words, once, until dismissed', () => {
    const api = renderAlerts();
    const since = new Date(2026, 10, 22, 19, 40).getTime();
    const until = new Date(2026, 10, 22, 20, 0, 21).getTime();
    act(() => api.emit({ type: 'long-pause', reason: 'offline', since, until, message: 'GET …: D365 is not reachable — ECONNREFUSED' }));
    act(() => api.emit({ type: 'long-pause', reason: 'offline', since, until, message: 'GET …: D365 is not reachable — ECONNREFUSED' }));
    expect(toasts()).toEqual(['Sending has been paused since 7:40 PM']);
    expect(document.querySelector('.toast')!.textContent).toContain('Your updates are safe; sending resumes by itself at 8:00:21 PM.');
  });

  it('a cancel is not announced as a failure', () => {
    const api = renderAlerts();
    act(() => api.emit({ type: 'failed', id: 8, company: 'USMF', orderNumber: 'SO-000008', error: { code: 'CANCELLED', message: 'Cancelled by desk' } }));
    expect(toasts()).toEqual([]);
  });
});

describe('DesktopAlerts', () => {
  function fakeNotification(permission: NotificationPermission) {
    const shown: { title: string; body?: string; tag?: string }[] = [];
    class N {
      static permission = permission;
      static requestPermission = vi.fn(async () => {
        N.permission = 'granted';
        return 'granted' as NotificationPermission;
      });
      onclick: (() => void) | null = null;
      constructor(title: string, opts?: NotificationOptions) {
        shown.push({ title, body: opts?.body, tag: opts?.tag });
      }
      close() {}
    }
    return { N: N as unknown as typeof Notification, shown };
  }

  function memoryStorage() {
    const m = new Map<string, string>();
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
  }

  it('offers to ask for permission once, and asks only when the person presses the button', () => {
    const { N } = fakeNotification('default');
    const storage = memoryStorage();
    const alerts = new DesktopAlerts({ Notification: N, storage, inView: () => false, onClick: () => {} });
    expect(alerts.takeOffer()).toBe(true);
    expect(N.requestPermission).not.toHaveBeenCalled();
    expect(alerts.takeOffer()).toBe(false);
    // Another tab or a reload: still asked once.
    expect(new DesktopAlerts({ Notification: N, storage, inView: () => false, onClick: () => {} }).takeOffer()).toBe(false);
    alerts.ask();
    expect(N.requestPermission).toHaveBeenCalledTimes(1);
  });

  it('uses granted notifications when the page is not in view, one per burst, and never when refused', () => {
    vi.useFakeTimers();
    const granted = fakeNotification('granted');
    let inView = false;
    const alerts = new DesktopAlerts({ Notification: granted.N, storage: memoryStorage(), inView: () => inView, onClick: () => {} });
    for (let n = 1; n <= 5; n++) alerts.show('outbox-conflicts', `${n} new conflicts`, 'Someone else changed…', '#/conflicts');
    vi.advanceTimersByTime(1000);
    expect(granted.shown).toEqual([{ title: '5 new conflicts', body: 'Someone else changed…', tag: 'outbox-conflicts' }]);
    inView = true;
    alerts.show('outbox-conflicts', '6 new conflicts', '…', '#/conflicts');
    vi.advanceTimersByTime(1000);
    expect(granted.shown).toHaveLength(1);

    const denied = fakeNotification('denied');
    const refused = new DesktopAlerts({ Notification: denied.N, storage: memoryStorage(), inView: () => false, onClick: () => {} });
    expect(refused.takeOffer()).toBe(false);
    refused.show('outbox-conflicts', 'x', 'y', '#/conflicts');
    vi.advanceTimersByTime(1000);
    expect(denied.shown).toEqual([]);
  });
});
