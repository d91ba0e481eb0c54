import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../core/api.ts';
import type { PauseReason } from '../../core/events.ts';
import { connectionState } from '../../renderer/status/connection-state.ts';

function status(paused: { reason: PauseReason; until: number | null; message: string; since?: number } | null, mode: AgentStatus['mode'] = 'd365'): AgentStatus {
  return {
    counts: { pending: 0, sending: 0, done: 0, conflict: 0, failed: 0, held: 0 },
    mode,
    connection: null,
    target: 'https://contoso.operations.dynamics.com',
    company: 'USMF',
    drain: { running: true, paused: paused && { since: 0, ...paused }, inFlight: null, sentThisRun: 0 },
    notices: [],
  };
}

describe('connectionState', () => {
  it('names each state the drain can be in', () => {
    const until = new Date(2026, 10, 22, 14, 5, 9).getTime();
    expect(connectionState(status(null), null)).toMatchObject({ tone: 'ok', label: 'Online' });
    expect(connectionState(status(null, 'demo'), null).label).toBe('Online · demo');
    expect(connectionState(status({ reason: 'throttled', until, message: '429' }), null)).toMatchObject({ tone: 'warning', label: 'Throttled until 14:05:09' });
    expect(connectionState(status({ reason: 'offline', until: null, message: 'ECONNREFUSED' }), null)).toMatchObject({ tone: 'danger', label: 'Offline' });
    expect(connectionState(status({ reason: 'credentials', until: null, message: 'AADSTS7000215' }), null)).toMatchObject({
      tone: 'danger',
      label: 'Credentials rejected',
      detail: 'AADSTS7000215',
    });
    expect(connectionState(status({ reason: 'user', until: null, message: '' }), null)).toMatchObject({ label: 'Paused' });
    expect(connectionState(undefined, { code: 'UNREACHABLE', message: 'gone' })).toMatchObject({ tone: 'danger', label: 'Agent unreachable' });
  });
});
