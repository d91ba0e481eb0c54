import { useState } from 'react';
import { useApi } from '../app/api-context.tsx';
import { useAgentStatus } from '../app/agent-status.tsx';
import { errorMessage } from '../format.ts';
import { connectionState } from './connection-state.ts';
import { DrainProgress } from './DrainProgress.tsx';

export function StatusBar() {
  const api = useApi();
  const view = useAgentStatus();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const conn = connectionState(view.status, view.error);
  const pausedByUser = view.status?.drain.paused?.reason === 'user';

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
    <footer className="statusbar" aria-label="Agent status">
      <span className={`conn conn-${conn.tone}`} title={conn.detail} data-testid="connection">
        <span className="dot" aria-hidden="true" />
        {conn.label}
      </span>
      <span className="statusbar-detail muted" title={conn.detail}>
        {error ?? conn.detail}
      </span>
      <DrainProgress view={view} />
      {view.status ? (
        <button type="button" className="btn btn-small" onClick={toggle} disabled={busy}>
          {pausedByUser ? 'Resume sending' : 'Pause sending'}
        </button>
      ) : null}
    </footer>
  );
}
