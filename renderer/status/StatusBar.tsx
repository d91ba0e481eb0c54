import { useState } from 'react';
import { useApi } from '../app/api-context.tsx';
import { useAgentStatus } from '../app/agent-status.tsx';
import { AgentText } from '../common/AgentText.tsx';
import { errorMessage } from '../format.ts';
import { useT } from '../i18n/use-t.ts';
import { connectionState } from './connection-state.ts';
import { DrainProgress } from './DrainProgress.tsx';
import { NeedsLookLink } from './NeedsLookLink.tsx';

export function StatusBar() {
  const api = useApi();
  const t = useT();
  const view = useAgentStatus();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const conn = connectionState(view.status, view.error);
  const pausedByUser = view.status?.drain.paused?.reason === 'user';

  const call = async (what: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      view.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <footer className="statusbar" aria-label={t('status.label')}>
      <span className={`conn conn-${conn.tone}`} data-testid="connection">
        <span className="dot" aria-hidden="true" />
        {t.msg(conn.label)}
      </span>
      {/* Long messages wrap instead of widening the window or hiding behind an ellipsis. */}
      <span className="statusbar-detail">{error ?? (conn.detail ? t.msg(conn.detail) : '')}</span>
      {conn.technical && !error ? (
        <details className="details statusbar-technical">
          <summary>{t('common.details')}</summary>
          <AgentText>{conn.technical}</AgentText>
        </details>
      ) : null}
      {conn.canTryNow ? (
        <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => call(() => api.drainNow({}))}>
          {t('status.tryNow')}
        </button>
      ) : null}
      <NeedsLookLink />
      <DrainProgress view={view} />
      {view.status ? (
        <button type="button" className="btn btn-small" onClick={() => call(() => (pausedByUser ? api.resumeDrain({}) : api.pauseDrain({})))} disabled={busy}>
          {pausedByUser ? t('status.resume') : t('status.pause')}
        </button>
      ) : null}
    </footer>
  );
}
