import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../core/api.ts';
import type { PauseReason } from '../../core/events.ts';
import { connectionState } from '../../renderer/status/connection-state.ts';
import { reader } from './intl.ts';

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
  const gb = reader('en', 'en-GB');
  const say = (s: ReturnType<typeof connectionState>) => ({ tone: s.tone, label: gb(s.label), detail: gb(s.detail) });

  it('names each state the drain can be in', () => {
    const until = new Date(2026, 10, 22, 14, 5, 9).getTime();
    expect(say(connectionState(status(null), null))).toMatchObject({ tone: 'ok', label: 'Online', detail: 'Sending to https://contoso.operations.dynamics.com' });
    expect(say(connectionState(status(null, 'demo'), null)).label).toBe('Online · demo');
    expect(say(connectionState(status({ reason: 'throttled', until, message: '429' }), null))).toMatchObject({ tone: 'warning', label: 'Throttled until 14:05:09' });
    expect(say(connectionState(status({ reason: 'offline', until: null, message: 'ECONNREFUSED' }), null))).toMatchObject({
      tone: 'danger',
      label: 'Offline',
      detail: 'ECONNREFUSED — retrying by itself',
    });
    expect(say(connectionState(status({ reason: 'credentials', until: null, message: 'AADSTS7000215' }), null))).toMatchObject({
      tone: 'danger',
      label: 'Credentials rejected',
      detail: 'AADSTS7000215',
    });
    expect(say(connectionState(status({ reason: 'user', until: null, message: '' }), null))).toMatchObject({ label: 'Paused' });
    expect(say(connectionState(status({ reason: 'error', until: null, message: 'disk I/O' }), null))).toMatchObject({ tone: 'danger', label: 'Sending stopped', detail: 'disk I/O' });
    expect(say(connectionState({ ...status(null, 'not-connected'), connection: 'Not connected to D365: 3 updates waiting.' }, null))).toMatchObject({
      tone: 'danger',
      label: 'Not connected to D365',
      detail: 'Not connected to D365: 3 updates waiting.',
    });
    expect(say(connectionState(undefined, { code: 'UNREACHABLE', message: 'gone' }))).toMatchObject({ tone: 'danger', label: 'Agent unreachable' });
  });

  it('formats the next try in the reader’s locale and language', () => {
    const until = new Date(2026, 10, 22, 14, 5, 9).getTime();
    const offline = connectionState(status({ reason: 'offline', until, message: 'connect ECONNREFUSED' }), null);
    expect(reader('en', 'en-US')(offline.detail)).toBe('connect ECONNREFUSED — retrying by itself (next try 2:05:09 PM)');
    expect(reader('de', 'de-DE')(offline.detail)).toBe('connect ECONNREFUSED – neuer Versuch folgt von selbst (nächster um 14:05:09)');
    expect(reader('de', 'de-DE')(connectionState(status(null), null).label)).toBe('Verbunden');
  });
});
