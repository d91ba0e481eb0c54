import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../core/api.ts';
import type { PauseReason } from '../../core/events.ts';
import { connectionState } from '../../renderer/status/connection-state.ts';
import { reader } from './intl.ts';

function status(paused: { reason: PauseReason; until: number | null; message: string; since?: number } | null, mode: AgentStatus['mode'] = 'd365', pending = 0): AgentStatus {
  return {
    counts: { pending, sending: 0, done: 0, conflict: 0, failed: 0, held: 0 },
    mode,
    connection: null,
    target: 'https://contoso.operations.dynamics.com',
    company: 'USMF',
    drain: { running: true, paused: paused && { since: 0, ...paused }, inFlight: null, sentThisRun: 0 },
    notices: [],
      failedNeedingLook: 0,
  };
}

describe('connectionState', () => {
  const gb = reader('en', 'en-GB');
  const say = (s: ReturnType<typeof connectionState>) => ({ tone: s.tone, label: gb(s.label), detail: gb(s.detail), technical: s.technical, canTryNow: s.canTryNow });

  it('names each state the drain can be in', () => {
    const until = new Date(2026, 10, 22, 14, 5, 9).getTime();
    expect(say(connectionState(status(null), null))).toMatchObject({ tone: 'ok', label: 'Online', detail: 'Sending to https://contoso.operations.dynamics.com' });
    expect(say(connectionState(status(null, 'demo'), null)).label).toBe('Online · demo');
    expect(say(connectionState(status({ reason: 'throttled', until, message: '429' }), null))).toMatchObject({ tone: 'warning', label: 'Throttled until 14:05:09' });
    expect(say(connectionState(status({ reason: 'offline', until: null, message: 'GET …/SalesOrderHeadersV2: D365 is not reachable — ECONNREFUSED' }, 'd365', 1), null))).toMatchObject({
      tone: 'danger',
      label: 'Offline',
      detail: "D365 can't be reached. Your update is safe and goes out when it's back.",
      technical: 'GET …/SalesOrderHeadersV2: D365 is not reachable — ECONNREFUSED',
      canTryNow: true,
    });
    expect(say(connectionState(status({ reason: 'credentials', until: null, message: 'AADSTS7000215' }, 'd365', 2), null))).toMatchObject({
      tone: 'danger',
      label: 'Credentials rejected',
      detail: "D365 refused the agent's sign-in, so nothing is sent. Your 2 updates are safe; an admin must fix the connection in Settings.",
      technical: 'AADSTS7000215',
      canTryNow: false,
    });
    expect(say(connectionState(status({ reason: 'user', until: null, message: '' }), null))).toMatchObject({ label: 'Paused', canTryNow: false });
    expect(say(connectionState(status({ reason: 'error', until: null, message: 'disk I/O' }), null))).toMatchObject({ tone: 'danger', label: 'Sending stopped', technical: 'disk I/O', canTryNow: true });
    expect(say(connectionState({ ...status(null, 'not-connected'), connection: 'Not connected to D365: 3 updates waiting.' }, null))).toMatchObject({
      tone: 'danger',
      label: 'Not connected to D365',
      detail: 'Not connected to D365: 3 updates waiting.',
    });
    expect(say(connectionState(undefined, { code: 'UNREACHABLE', message: 'gone' }))).toMatchObject({ tone: 'danger', label: 'Agent unreachable' });
  });

  it('says an outage in the desk’s words, with the next try in the reader’s locale and language', () => {
    const until = new Date(2026, 10, 22, 20, 0, 21).getTime();
    const offline = connectionState(status({ reason: 'offline', until, message: 'connect ECONNREFUSED' }, 'd365', 40), null);
    expect(reader('en', 'en-US')(offline.detail)).toBe("D365 can't be reached. Your 40 updates are safe and go out when it's back — next try 8:00:21 PM.");
    expect(reader('en', 'en-GB')(offline.detail)).toBe("D365 can't be reached. Your 40 updates are safe and go out when it's back — next try 20:00:21.");
    expect(reader('de', 'de-DE')(offline.detail)).toBe('D365 ist nicht erreichbar. Ihre 40 Änderungen sind sicher und gehen hinaus, sobald es wieder da ist – nächster Versuch 20:00:21.');
    expect(offline.technical).toBe('connect ECONNREFUSED');
    expect(reader('de', 'de-DE')(connectionState(status(null), null).label)).toBe('Verbunden');
  });
});
