/**
 * The tray icon: one look per state (idle, draining, paused or offline, conflicts waiting), a
 * tooltip with the counts, and the menu. What to show is worked out by plain functions from the
 * agent's status and events; `setupTray` only paints it.
 */
import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { AgentStatus } from '../../core/api.ts';
import { needsPerson, type PauseReason, type StampedEvent } from '../../core/events.ts';
import type { StateCounts } from '../../core/outbox/types.ts';

export const TRAY_ICONS = ['idle', 'draining', 'paused', 'conflicts'] as const;
export type TrayIcon = (typeof TRAY_ICONS)[number];

export interface TrayModel {
  counts: StateCounts;
  /** failed updates a person should look at (the cancelled ones are dealt with) */
  failedNeedingLook: number;
  paused: { reason: PauseReason; message: string } | null;
  /** an update is on the wire */
  sending: boolean;
}

export interface TrayView {
  icon: TrayIcon;
  tooltip: string;
  /** a person paused draining: the menu offers Resume instead of Pause */
  pausedByUser: boolean;
  /** Drain now cannot help while a person must act first */
  canDrainNow: boolean;
  conflicts: number;
}

export interface TrayActions {
  open(): void;
  pause(): void;
  resume(): void;
  drainNow(): void;
  openConflicts(): void;
  quit(): void;
}

export function trayModelFrom(status: AgentStatus): TrayModel {
  const p = status.drain.paused;
  return { counts: { ...status.counts }, failedNeedingLook: status.failedNeedingLook, paused: p ? { reason: p.reason, message: p.message } : null, sending: status.drain.inFlight !== null };
}

/** The model after one agent event; counts come with 'progress' (and a status refresh). */
export function trayModelAfter(model: TrayModel, event: StampedEvent): TrayModel {
  switch (event.type) {
    case 'progress':
      return { ...model, counts: { ...event.counts } };
    case 'paused':
      return { ...model, paused: { reason: event.reason, message: event.message }, sending: false };
    case 'resumed':
      return { ...model, paused: null };
    case 'sending':
      return { ...model, sending: true };
    case 'conflict':
      return { ...model, sending: false, counts: { ...model.counts, conflict: model.counts.conflict + 1, sending: Math.max(0, model.counts.sending - 1) } };
    case 'done':
    case 'failed':
    case 'deferred':
      return { ...model, sending: false };
    case 'queued':
    case 'retrying':
    case 'changed':
    case 'long-pause':
    case 'mode':
      return model;
  }
}

const PAUSE_WORDS: Record<PauseReason, string> = {
  user: 'Paused',
  throttled: 'Throttled by D365',
  offline: 'D365 unreachable',
  server: 'D365 server error',
  credentials: 'Credentials rejected',
  storage: 'Outbox storage problem',
  'not-connected': 'Not connected to D365',
  error: 'Sending stopped',
};

export function trayViewOf(model: TrayModel): TrayView {
  const c = model.counts;
  const waiting = c.pending + c.sending;
  const icon: TrayIcon = c.conflict > 0 ? 'conflicts' : model.paused ? 'paused' : waiting > 0 || model.sending ? 'draining' : 'idle';
  const parts = [`${waiting} waiting`];
  if (c.conflict > 0) parts.push(`${c.conflict} conflict${c.conflict === 1 ? '' : 's'}`);
  if (model.failedNeedingLook > 0) parts.push(`${model.failedNeedingLook} failed — need a look`);
  if (c.held > 0) parts.push(`${c.held} held`);
  const lines = [`Outbox Agent — ${parts.join(' · ')}`];
  if (model.paused) lines.push(`${PAUSE_WORDS[model.paused.reason]}: ${model.paused.message}`.slice(0, 120));
  return {
    icon,
    tooltip: lines.join('\n'),
    pausedByUser: model.paused?.reason === 'user',
    canDrainNow: !model.paused || !needsPerson(model.paused.reason),
    conflicts: c.conflict,
  };
}

export function trayMenuTemplate(view: TrayView, actions: TrayActions): MenuItemConstructorOptions[] {
  return [
    { id: 'open', label: 'Open Outbox Agent', click: () => actions.open() },
    { type: 'separator' },
    view.pausedByUser
      ? { id: 'resume', label: 'Resume draining', click: () => actions.resume() }
      : { id: 'pause', label: 'Pause draining', click: () => actions.pause() },
    { id: 'drain-now', label: 'Drain now', enabled: view.canDrainNow, click: () => actions.drainNow() },
    { id: 'conflicts', label: view.conflicts > 0 ? `Open conflict log (${view.conflicts} waiting)` : 'Open conflict log', click: () => actions.openConflicts() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit', click: () => actions.quit() },
  ];
}

export function trayIconFile(dir: string, icon: TrayIcon): string {
  // Electron picks up tray-<state>@2x.png beside it on high-density screens.
  return path.join(dir, `tray-${icon}.png`);
}

export interface TrayHandle {
  show(model: TrayModel): void;
  destroy(): void;
}

export function setupTray(iconDir: string, initial: TrayModel, actions: TrayActions): TrayHandle {
  let shown = '';
  const paint = (model: TrayModel) => {
    const view = trayViewOf(model);
    const key = JSON.stringify(view);
    if (key === shown) return;
    shown = key;
    tray.setImage(nativeImage.createFromPath(trayIconFile(iconDir, view.icon)));
    tray.setToolTip(view.tooltip);
    // Linux app indicators show no tooltip and send no clicks: the menu is everything there.
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(view, actions)));
  };
  const tray = new Tray(nativeImage.createFromPath(trayIconFile(iconDir, trayViewOf(initial).icon)));
  tray.on('click', () => actions.open());
  paint(initial);
  return { show: paint, destroy: () => tray.destroy() };
}
