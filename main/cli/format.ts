import type { FieldValue, Fields, HistoryEvent, StateCounts, Update } from '../../core/outbox/types.ts';

const MAX_FIELDS_WIDTH = 60;

export function time(ms: number): string {
  return new Date(ms).toISOString();
}

/** A value as a person reads it; whitespace that would break a table line is shown escaped. */
export function value(v: FieldValue): string {
  if (v === null) return 'null';
  if (typeof v !== 'string') return String(v);
  return v === '' || /[\t\r\n]/.test(v) || v.trim() !== v ? JSON.stringify(v) : v;
}

export function fieldList(fields: Fields | null): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(', ');
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

export function table(header: string[], rows: string[][], rightAligned: number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function updatesTable(updates: Update[]): string {
  return table(
    ['ID', 'STATE', 'COMPANY', 'ORDER', 'UPDATED', 'FIELDS'],
    updates.map((u) => [String(u.id), u.state, u.company, u.orderNumber, time(u.updatedAt), clip(fieldList(u.fields), MAX_FIELDS_WIDTH)]),
    [0],
  );
}

export function updateDetail(u: Update, history: HistoryEvent[]): string {
  const rows: [string, string][] = [
    ['order', `${u.orderNumber} (company ${u.company}, profile ${u.profile})`],
    ['state', u.recheck ? `${u.state} (re-check D365 before sending)` : u.state],
    ['fields', fieldList(u.fields)],
    ['base', u.base ? fieldList(u.base) : '(none: the first read from D365 is the base)'],
    ['queued by', `${u.queuedBy} via ${u.source} at ${time(u.createdAt)}`],
    ['updated', time(u.updatedAt)],
    ['attempts', String(u.attempts)],
    ['next attempt', time(u.nextAttemptAt)],
  ];
  if (u.lastError) rows.push(['last error', `${u.lastError.code}: ${u.lastError.message}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  let text = `update ${u.id}\n` + rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n') + '\nhistory\n';
  for (const h of history) text += `  ${time(h.at)}  ${h.kind.padEnd(9)}  ${h.detail === null ? '' : JSON.stringify(h.detail)}`.trimEnd() + '\n';
  return text;
}

export function countsText(counts: StateCounts): string {
  return table(
    ['STATE', 'COUNT'],
    Object.entries(counts).map(([s, n]) => [s, String(n)]),
    [1],
  );
}
