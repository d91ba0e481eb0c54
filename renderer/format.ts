import type { FieldValue, Fields } from '../core/outbox/types.ts';

export function formatValue(v: FieldValue | undefined): string {
  if (v === undefined) return '—';
  if (v === null) return '(empty)';
  if (v === '') return '(blank)';
  return String(v);
}

export function summariseFields(fields: Fields): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} → ${formatValue(v)}`)
    .join(', ');
}

const pad = (n: number): string => String(n).padStart(2, '0');

export function formatTime(at: number | string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatDateTime(at: number | string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(d.getTime())}`;
}

/** Today shows the time only; older entries show the date too. */
export function formatWhen(at: number | string, now = Date.now()): string {
  const d = new Date(at);
  return new Date(now).toDateString() === d.toDateString() ? formatTime(d.getTime()) : formatDateTime(d.getTime());
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function errorCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}
