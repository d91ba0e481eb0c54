import { useMemo } from 'react';
import { useIntl } from 'react-intl';
import type { FieldValue, Fields } from '../../core/outbox/types.ts';
import { useT } from './use-t.ts';

export interface Format {
  number(n: number): string;
  /** a ratio (0.153) as a percentage in the person's locale ("15.3%", "15,3 %") */
  percent(ratio: number, fractionDigits?: number): string;
  time(at: number | string | Date): string;
  dateTime(at: number | string | Date): string;
  /** a day: "Dec 1, 2026", "01.12.2026" */
  date(at: number | string | Date): string;
  /** today: the time only; older: date and time */
  when(at: number | string | Date, now?: number): string;
  /** an hour of the day as an axis label: "2 PM", "14" */
  hour(hour: number): string;
  /** an hour of the day as a span: "2:00 – 3:00 PM", "14:00–15:00" */
  hourRange(hour: number): string;
  /** a D365 value; empty and missing values are named instead of shown as nothing */
  value(v: FieldValue | undefined): string;
  changes(fields: Fields): string;
  list(items: readonly string[]): string;
}

function toDate(at: number | string | Date): Date {
  return at instanceof Date ? at : new Date(at);
}

/**
 * Dates, times and numbers through Intl in the person's locale and the viewer's time zone.
 * D365 values are shown as stored (not re-formatted): they are what gets sent, and the person
 * may type them back.
 */
export function useFormat(): Format {
  const intl = useIntl();
  const t = useT();
  return useMemo(() => {
    const safe = (at: number | string | Date, f: (d: Date) => string): string => {
      const d = toDate(at);
      return Number.isNaN(d.getTime()) ? String(at) : f(d);
    };
    const time = (at: number | string | Date) => safe(at, (d) => intl.formatTime(d, { timeStyle: 'medium' }));
    const dateTime = (at: number | string | Date) => safe(at, (d) => intl.formatDate(d, { dateStyle: 'medium', timeStyle: 'medium' }));
    const value = (v: FieldValue | undefined) => (v === undefined ? '—' : v === null ? t('value.empty') : v === '' ? t('value.blank') : String(v));
    return {
      number: (n) => intl.formatNumber(n),
      percent: (ratio, fractionDigits = 1) =>
        intl.formatNumber(ratio, { style: 'percent', minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits }),
      time,
      dateTime,
      date: (at) => safe(at, (d) => intl.formatDate(d, { dateStyle: 'medium' })),
      when: (at, now = Date.now()) => safe(at, (d) => (new Date(now).toDateString() === d.toDateString() ? time(d) : dateTime(d))),
      hour: (hour) =>
        new Intl.DateTimeFormat(intl.locale, { hour: 'numeric' })
          .formatToParts(new Date(2000, 0, 1, hour))
          .filter((p) => p.type === 'hour' || p.type === 'dayPeriod')
          .map((p) => p.value)
          .join(' '),
      hourRange: (hour) =>
        new Intl.DateTimeFormat(intl.locale, { hour: 'numeric', minute: '2-digit' }).formatRange(new Date(2000, 0, 1, hour), new Date(2000, 0, 1, hour + 1)),
      value,
      changes: (fields) =>
        Object.entries(fields)
          .map(([k, v]) => `${k} → ${value(v)}`)
          .join(', '),
      list: (items) => intl.formatList(items, { type: 'conjunction' }),
    };
  }, [intl, t]);
}
