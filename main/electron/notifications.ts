/**
 * Native notifications for what needs a person: new conflicts, rejected credentials, D365
 * unreachable for a while. `AlertPlanner` decides what to say and when (grouping and rate
 * limits, time passed in); `setupNotifications` only shows what it decides.
 */
import { Notification } from 'electron';
import type { StampedEvent } from '../../core/events.ts';

export interface Alert {
  kind: 'conflict' | 'credentials' | 'offline' | 'long-pause';
  title: string;
  body: string;
  /** where a click takes the window */
  route: string;
}

export interface AlertOptions {
  /** after a conflict alert, further conflicts wait this long and come as one "N new conflicts" */
  groupMs?: number;
  /** "D365 unreachable" once it has been down this long */
  offlineAfterMs?: number;
  /** a repeated credentials alert (after it was fixed and broke again) waits at least this long */
  credentialsRepeatMs?: number;
}

interface PendingConflict {
  id: number;
  company: string;
  orderNumber: string;
}

export class AlertPlanner {
  private readonly groupMs: number;
  private readonly offlineAfterMs: number;
  private readonly credentialsRepeatMs: number;
  private pending: PendingConflict[] = [];
  private lastConflictAlertAt = Number.NEGATIVE_INFINITY;
  private credentialsDue = false;
  private lastCredentialsAlertAt = Number.NEGATIVE_INFINITY;
  private offlineSince: number | null = null;
  private offlineAlerted = false;
  private longPause: { reason: string; until: number | null } | null = null;

  constructor(opts: AlertOptions = {}) {
    this.groupMs = opts.groupMs ?? 10_000;
    this.offlineAfterMs = opts.offlineAfterMs ?? 5 * 60_000;
    this.credentialsRepeatMs = opts.credentialsRepeatMs ?? 10 * 60_000;
  }

  observe(event: StampedEvent, now: number): void {
    switch (event.type) {
      case 'conflict':
        if (!this.pending.some((p) => p.id === event.id)) this.pending.push({ id: event.id, company: event.company, orderNumber: event.orderNumber });
        break;
      case 'paused':
        if (event.reason === 'credentials') this.credentialsDue = true;
        if (event.reason === 'offline') this.offlineSince ??= now;
        else this.clearOffline();
        break;
      case 'resumed':
        this.credentialsDue = false;
        this.longPause = null;
        this.clearOffline();
        break;
      case 'long-pause':
        // The offline alert already says it for an outage; a throttle or storage trouble says it here.
        if (event.reason !== 'offline') this.longPause = { reason: event.reason, until: event.until };
        break;
      default:
        break;
    }
  }

  /** Alerts to show now; each is handed out once. */
  due(now: number): Alert[] {
    const out: Alert[] = [];
    if (this.credentialsDue && now - this.lastCredentialsAlertAt >= this.credentialsRepeatMs) {
      this.credentialsDue = false;
      this.lastCredentialsAlertAt = now;
      out.push({ kind: 'credentials', title: 'D365 rejected the credentials', body: 'Draining is paused. Check the client secret in Settings.', route: '#/settings' });
    }
    if (this.offlineSince !== null && !this.offlineAlerted && now - this.offlineSince >= this.offlineAfterMs) {
      this.offlineAlerted = true;
      const minutes = Math.floor((now - this.offlineSince) / 60_000);
      out.push({
        kind: 'offline',
        title: `D365 unreachable for ${minutes} minute${minutes === 1 ? '' : 's'}`,
        body: 'Updates stay queued and are sent when the connection returns.',
        route: '#/',
      });
    }
    if (this.longPause) {
      const { reason, until } = this.longPause;
      this.longPause = null;
      const when = until === null ? 'when you act on it' : `by itself at ${new Date(until).toLocaleTimeString()}`;
      out.push({
        kind: 'long-pause',
        title: reason === 'throttled' ? 'D365 asked us to wait' : 'Sending is paused',
        body: `Updates stay queued; sending resumes ${when}.`,
        route: '#/',
      });
    }
    if (this.pending.length > 0 && now - this.lastConflictAlertAt >= this.groupMs) {
      const group = this.pending;
      this.pending = [];
      this.lastConflictAlertAt = now;
      const only = group.length === 1 ? group[0] : undefined;
      out.push(
        only
          ? { kind: 'conflict', title: 'Conflict needs a decision', body: `${only.company} ${only.orderNumber} was changed in D365 by someone else.`, route: `#/conflicts/${only.id}` }
          : {
              kind: 'conflict',
              title: `${group.length} new conflicts`,
              body: group.slice(0, 3).map((c) => c.orderNumber).join(', ') + (group.length > 3 ? ', …' : ''),
              route: '#/conflicts',
            },
      );
    }
    return out;
  }

  /** When `due` may next have something, or null when nothing is waiting. */
  nextCheckAt(): number | null {
    const times: number[] = [];
    if (this.pending.length > 0) times.push(this.lastConflictAlertAt + this.groupMs);
    if (this.credentialsDue) times.push(this.lastCredentialsAlertAt + this.credentialsRepeatMs);
    if (this.offlineSince !== null && !this.offlineAlerted) times.push(this.offlineSince + this.offlineAfterMs);
    if (this.longPause) times.push(Number.NEGATIVE_INFINITY);
    return times.length ? Math.min(...times) : null;
  }

  private clearOffline(): void {
    this.offlineSince = null;
    this.offlineAlerted = false;
  }
}

export interface NotificationOptions extends AlertOptions {
  subscribe(listener: (event: StampedEvent) => void): () => void;
  /** shows the window at a route */
  open(route: string): void;
  now?: () => number;
}

export function setupNotifications(opts: NotificationOptions): () => void {
  const now = opts.now ?? Date.now;
  const planner = new AlertPlanner(opts);
  // Electron drops the click handler of a notification that was garbage-collected.
  const live = new Set<Notification>();
  let timer: NodeJS.Timeout | null = null;

  const show = (alert: Alert) => {
    if (!Notification.isSupported()) return;
    const n = new Notification({ title: alert.title, body: alert.body });
    live.add(n);
    n.on('click', () => {
      live.delete(n);
      opts.open(alert.route);
    });
    n.on('close', () => live.delete(n));
    n.show();
  };
  const check = () => {
    timer = null;
    for (const alert of planner.due(now())) show(alert);
    const next = planner.nextCheckAt();
    if (next !== null) timer = setTimeout(check, Math.max(0, next - now()));
  };
  const unsubscribe = opts.subscribe((event) => {
    planner.observe(event, now());
    if (timer) clearTimeout(timer);
    check();
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    live.clear();
  };
}
