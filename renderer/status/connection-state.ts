import type { AgentStatus } from '../../core/api.ts';
import type { LoadError } from '../app/use-load.ts';
import type { Message } from '../i18n/use-t.ts';

export type ConnectionTone = 'ok' | 'warning' | 'danger' | 'idle';

export interface ConnectionState {
  tone: ConnectionTone;
  label: Message;
  detail: Message | null;
}

/**
 * What the status bar says about the link to D365, from the drain's pause reason. Times are
 * passed as dates so the catalogue formats them (`{until, time, medium}`) in the person's locale;
 * the agent's own message is passed through as it came.
 */
export function connectionState(status: AgentStatus | undefined, error: LoadError | null): ConnectionState {
  if (error) return { tone: 'danger', label: { id: 'conn.unreachable' }, detail: { id: 'conn.agentSaid', values: { message: error.message } } };
  if (!status) return { tone: 'idle', label: { id: 'conn.connecting' }, detail: null };
  if (status.connection) return { tone: 'danger', label: { id: 'conn.notConnected' }, detail: { id: 'conn.agentSaid', values: { message: status.connection } } };
  const demo = status.mode === 'demo';
  const p = status.drain.paused;
  const until = p?.until ? new Date(p.until) : null;
  if (!p) {
    return {
      tone: 'ok',
      label: { id: demo ? 'conn.onlineDemo' : 'conn.online' },
      detail: demo ? { id: 'conn.sendingToSimulator' } : { id: 'conn.sendingTo', values: { target: status.target } },
    };
  }
  const said = { message: p.message };
  switch (p.reason) {
    case 'throttled':
      return { tone: 'warning', label: until ? { id: 'conn.throttledUntil', values: { until } } : { id: 'conn.throttled' }, detail: { id: 'conn.agentSaid', values: said } };
    case 'offline':
      return {
        tone: 'danger',
        label: { id: 'conn.offline' },
        detail: until ? { id: 'conn.offlineNextTry', values: { ...said, until } } : { id: 'conn.offlineRetrying', values: said },
      };
    case 'credentials':
      return { tone: 'danger', label: { id: 'conn.credentials' }, detail: { id: 'conn.agentSaid', values: said } };
    case 'server':
      return { tone: 'warning', label: until ? { id: 'conn.serverUntil', values: { until } } : { id: 'conn.server' }, detail: { id: 'conn.agentSaid', values: said } };
    case 'user':
      return { tone: 'warning', label: { id: 'conn.paused' }, detail: { id: 'conn.pausedDetail' } };
    case 'storage':
      return { tone: 'danger', label: { id: 'conn.storage' }, detail: { id: 'conn.storageDetail', values: said } };
    case 'not-connected':
      return { tone: 'danger', label: { id: 'conn.notConnected' }, detail: { id: 'conn.agentSaid', values: said } };
    case 'error':
      return { tone: 'danger', label: { id: 'conn.stopped' }, detail: { id: 'conn.agentSaid', values: said } };
  }
}
