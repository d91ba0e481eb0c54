import type { AgentStatus } from '../../core/api.ts';
import type { LoadError } from '../app/use-load.ts';
import type { Message } from '../i18n/use-t.ts';

export type ConnectionTone = 'ok' | 'warning' | 'danger' | 'idle';

export interface ConnectionState {
  tone: ConnectionTone;
  label: Message;
  /** what it means for the person's updates, in the desk's words */
  detail: Message | null;
  /** the agent's own text (D365's error, the address it tried): shown under "Details" */
  technical: string | null;
  /** the wait can be skipped: "Try now" sends at once instead of at the next try */
  canTryNow: boolean;
}

/**
 * What the status bar says about the link to D365, from the drain's pause reason: the desk's
 * words first ("D365 can't be reached. Your 40 updates are safe…"), the agent's technical text
 * apart. Times are passed as dates so the catalogue formats them (`{until, time, medium}`) in the
 * person's locale.
 */
export function connectionState(status: AgentStatus | undefined, error: LoadError | null): ConnectionState {
  if (error) return { tone: 'danger', label: { id: 'conn.unreachable' }, detail: { id: 'plain.agentUnreachable' }, technical: error.message, canTryNow: false };
  if (!status) return { tone: 'idle', label: { id: 'conn.connecting' }, detail: null, technical: null, canTryNow: false };
  if (status.connection) return { tone: 'danger', label: { id: 'conn.notConnected' }, detail: { id: 'conn.agentSaid', values: { message: status.connection } }, technical: null, canTryNow: false };
  const demo = status.mode === 'demo';
  const p = status.drain.paused;
  const n = status.counts.pending + status.counts.sending;
  const until = p?.until ? new Date(p.until) : null;
  if (!p) {
    return {
      tone: 'ok',
      label: { id: demo ? 'conn.onlineDemo' : 'conn.online' },
      detail: demo ? { id: 'conn.sendingToSimulator' } : { id: 'conn.sendingTo', values: { target: status.target } },
      technical: null,
      canTryNow: false,
    };
  }
  const technical = p.message || null;
  const waiting = (tone: ConnectionTone, label: Message, detail: Message): ConnectionState => ({ tone, label, detail, technical, canTryNow: true });
  switch (p.reason) {
    case 'throttled':
      return waiting('warning', until ? { id: 'conn.throttledUntil', values: { until } } : { id: 'conn.throttled' }, until ? { id: 'plain.throttled', values: { n, until } } : { id: 'plain.throttledSoon', values: { n } });
    case 'offline':
      return waiting('danger', { id: 'conn.offline' }, until ? { id: 'plain.offline', values: { n, until } } : { id: 'plain.offlineSoon', values: { n } });
    case 'server':
      return waiting('warning', until ? { id: 'conn.serverUntil', values: { until } } : { id: 'conn.server' }, until ? { id: 'plain.server', values: { n, until } } : { id: 'plain.serverSoon', values: { n } });
    case 'storage':
      return waiting('danger', { id: 'conn.storage' }, { id: 'plain.storage' });
    case 'error':
      return waiting('danger', { id: 'conn.stopped' }, { id: 'plain.stopped', values: { n } });
    case 'credentials':
      return { tone: 'danger', label: { id: 'conn.credentials' }, detail: { id: 'plain.credentials', values: { n } }, technical, canTryNow: false };
    case 'user':
      return { tone: 'warning', label: { id: 'conn.paused' }, detail: { id: 'conn.pausedDetail' }, technical: null, canTryNow: false };
    case 'not-connected':
      return { tone: 'danger', label: { id: 'conn.notConnected' }, detail: { id: 'conn.agentSaid', values: { message: p.message } }, technical: null, canTryNow: false };
  }
}
