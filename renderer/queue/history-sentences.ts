import type { Fields, FieldValue, HistoryEvent } from '../../core/outbox/types.ts';
import type { Format } from '../i18n/use-format.ts';
import type { Message } from '../i18n/use-t.ts';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

interface ConflictField {
  field: string;
  theirs: FieldValue;
}

function conflictFields(v: unknown): ConflictField[] {
  return Array.isArray(v) ? v.filter((f): f is ConflictField => typeof f === 'object' && f !== null && typeof (f as ConflictField).field === 'string') : [];
}

/**
 * One history entry as sentences a desk person reads ("Sent; D365 accepted it.", "Someone else
 * set DeliveryModeCode to 20 first."). The agent's own record (status codes, ETags) stays
 * available as the technical detail. Pure: the caller formats the messages.
 */
export function historySentences(h: HistoryEvent, fmt: Format): Message[] {
  const d = h.detail ?? {};
  const by = text(d.by);
  switch (h.kind) {
    case 'queued': {
      const out: Message[] = [{ id: 'history.s.queued', values: { by, changes: isFields(d.fields) ? fmt.changes(d.fields) : '' } }];
      if (typeof d.behind === 'number') out.push({ id: 'history.s.behind', values: { id: d.behind } });
      return out;
    }
    case 'coalesced':
      return [{ id: 'history.s.coalesced', values: { by, changes: isFields(d.fields) ? fmt.changes(d.fields) : '' } }];
    case 'sending':
      return [{ id: 'history.s.sending', values: { attempt: typeof d.attempt === 'number' ? d.attempt : 1 } }];
    case 'sent':
      return [{ id: 'history.s.sent' }];
    case 'retrying':
      return [{ id: 'history.s.retrying', values: { attempt: typeof d.attempt === 'number' ? d.attempt : 1 } }];
    case 'deferred': {
      const at = typeof d.nextAttemptAt === 'number' ? new Date(d.nextAttemptAt) : null;
      const why = d.reason === 'drain stopped' ? 'stopped' : d.code === 'OFFLINE' || d.reason === 'OFFLINE' ? 'offline' : d.code === 'THROTTLED' || d.reason === 'THROTTLED' ? 'throttled' : 'later';
      return [at ? { id: 'history.s.deferred', values: { why, at } } : { id: 'history.s.deferredSoon', values: { why } }];
    }
    case 'conflict':
      return conflictFields(d.fields).map((f) => ({ id: 'history.s.conflict', values: { field: f.field, theirs: fmt.value(f.theirs) } }));
    case 'resolved': {
      const action = d.action === 'take-theirs' ? 'theirs' : d.action === 'edit' ? 'edit' : 'mine';
      return [{ id: 'history.s.resolved', values: { action, by, changes: isFields(d.fields) ? fmt.changes(d.fields) : '' } }];
    }
    case 'failed':
      if (d.code === 'LOST_RACE') return [{ id: 'history.s.lostRace' }];
      if (d.code === 'CANCELLED') return [{ id: 'history.s.cancelled', values: { by } }];
      return [{ id: d.code === 'VALIDATION' || d.code === 'NOT_FOUND' || typeof d.status === 'number' ? 'history.s.refused' : 'history.s.failed' }];
    case 'done':
      return [{ id: d.alreadyApplied === true ? 'history.s.alreadyThere' : 'history.s.done' }];
    case 'held':
      return [{ id: 'history.s.held', values: { by } }];
    case 'released':
      return [{ id: 'history.s.released', values: { by } }];
    case 'cancelled':
      return [{ id: 'history.s.cancelled', values: { by } }];
    case 'requeued':
      return [isFields(d.fields) ? { id: 'history.s.requeuedWith', values: { by, changes: fmt.changes(d.fields) } } : { id: 'history.s.requeued', values: { by } }];
    case 'restored':
      return [{ id: 'history.s.restored', values: { by } }];
    case 'recheck':
      return [{ id: 'history.s.recheck' }];
  }
}

/** The agent's technical record of an entry (status codes, ETags, D365's message), as it stored it. */
export function technicalText(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}
