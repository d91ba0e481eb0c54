import { useState } from 'react';
import { useApi } from '../app/api-context.tsx';
import { useAgentStatus } from '../app/agent-status.tsx';
import { errorMessage } from '../format.ts';
import { useT } from '../i18n/use-t.ts';
import { connectionState } from './connection-state.ts';
import { DrainProgress } from './DrainProgress.tsx';

export function StatusBar() {
  const api = useApi();
  const t = useT();
  const view = useAgentStatus();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const conn = connectionState(view.status, view.error);
  const pausedByUser = view.status?.drain.paused?.reason === 'user';
  const detail = conn.detail ? t.msg(conn.detail) : '';

  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      if (pausedByUser) await api.resumeDrain({});
      else await api.pauseDrain({});
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
      <span className="statusbar-detail">{error ?? detail}</span>
      <DrainProgress view={view} />
      {view.status ? (
        <button type="button" className="btn btn-small" onClick={toggle} disabled={busy}>
          {pausedByUser ? t('status.resume') : t('status.pause')}
        </button>
      ) : null}
    </footer>
  );
}
