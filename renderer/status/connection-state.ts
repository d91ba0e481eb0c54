import type { AgentStatus } from '../../core/api.ts';
import type { LoadError } from '../app/use-load.ts';
import { formatTime } from '../format.ts';

export type ConnectionTone = 'ok' | 'warning' | 'danger' | 'idle';

export interface ConnectionState {
  tone: ConnectionTone;
  label: string;
  detail: string;
}

/** What the status bar says about the link to D365, from the drain's pause reason. */
export function connectionState(status: AgentStatus | undefined, error: LoadError | null): ConnectionState {
  if (error) return { tone: 'danger', label: 'Agent unreachable', detail: error.message };
  if (!status) return { tone: 'idle', label: 'Connecting…', detail: '' };
  const target = status.mode === 'demo' ? 'the embedded D365 simulator' : status.target;
  if (status.connection) return { tone: 'danger', label: 'Not connected to D365', detail: status.connection };
  const p = status.drain.paused;
  if (!p) return { tone: 'ok', label: status.mode === 'demo' ? 'Online · demo' : 'Online', detail: `Sending to ${target}` };
  switch (p.reason) {
    case 'throttled':
      return { tone: 'warning', label: p.until ? `Throttled until ${formatTime(p.until)}` : 'Throttled', detail: p.message };
    case 'offline':
      return { tone: 'danger', label: 'Offline', detail: `${p.message} — retrying by itself${p.until ? ` (next try ${formatTime(p.until)})` : ''}` };
    case 'credentials':
      return { tone: 'danger', label: 'Credentials rejected', detail: p.message };
    case 'server':
      return { tone: 'warning', label: p.until ? `D365 unavailable until ${formatTime(p.until)}` : 'D365 unavailable', detail: p.message };
    case 'user':
      return { tone: 'warning', label: 'Paused', detail: 'Sending is paused; updates still queue.' };
    case 'storage':
      return { tone: 'danger', label: 'Outbox storage problem', detail: `${p.message} — retrying by itself` };
    case 'not-connected':
      return { tone: 'danger', label: 'Not connected to D365', detail: p.message };
    case 'error':
      return { tone: 'danger', label: 'Sending stopped', detail: p.message };
  }
}
