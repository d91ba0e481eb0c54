import { useState } from 'react';
import type { Update } from '../../core/outbox/types.ts';
import { useApi } from '../app/api-context.tsx';
import { useRefreshOn } from '../app/use-agent-events.ts';
import { useLoad } from '../app/use-load.ts';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { FieldValueText } from '../common/FieldValueText.tsx';
import { Loading } from '../common/Loading.tsx';
import { StateBadge } from '../common/StateBadge.tsx';
import { errorMessage, formatDateTime } from '../format.ts';
import { HistoryList } from './HistoryList.tsx';

type Action = 'hold' | 'release' | 'cancel';

function actionsFor(u: Update): Action[] {
  if (u.state === 'pending') return ['hold', 'cancel'];
  if (u.state === 'held') return ['release', 'cancel'];
  return [];
}

const ACTION_LABELS: Record<Action, string> = { hold: 'Hold', release: 'Release', cancel: 'Cancel update' };

export function UpdateDetail({ id, onClose, onChanged }: { id: number; onClose(): void; onChanged(): void }) {
  const api = useApi();
  const detail = useLoad(() => api.getUpdate({ id }), [api, id]);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  useRefreshOn(detail.reload, ['sending', 'retrying', 'done', 'conflict', 'failed', 'deferred', 'changed', 'queued'], 400);

  const act = async (action: Action) => {
    setBusy(true);
    setActionError(null);
    try {
      await api[action]({ id });
      detail.reload();
      onChanged();
    } catch (e) {
      setActionError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <aside className="panel detail" aria-label={`Update ${id}`}>
      <div className="panel-head">
        <h2>Update #{id}</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} aria-label="Close detail">
          ×
        </button>
      </div>
      {detail.loading && !detail.data ? <Loading what="update" /> : null}
      {detail.error ? <ErrorNote message={detail.error.message} onRetry={detail.reload} /> : null}
      {detail.data ? (
        <>
          <div className="detail-summary">
            <strong>
              {detail.data.update.company} / {detail.data.update.orderNumber}
            </strong>
            <StateBadge state={detail.data.update.state} />
          </div>
          <p className="muted small">
            Queued {formatDateTime(detail.data.update.createdAt)} by {detail.data.update.queuedBy} ({detail.data.update.source}) ·{' '}
            {detail.data.update.attempts} attempt(s)
          </p>
          {detail.data.update.lastError ? (
            <div className="note note-warning">
              <strong>{detail.data.update.lastError.code}</strong> {detail.data.update.lastError.message}
            </div>
          ) : null}
          <table className="table compact">
            <thead>
              <tr>
                <th>Field</th>
                <th>New value</th>
                <th>Base</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(detail.data.update.fields).map(([field, value]) => (
                <tr key={field}>
                  <td>{field}</td>
                  <td>
                    <FieldValueText value={value} />
                  </td>
                  <td>{detail.data!.update.base ? <FieldValueText value={detail.data!.update.base[field]} /> : <span className="muted">unknown</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            {actionsFor(detail.data.update).map((a) => (
              <button key={a} type="button" className={`btn btn-small${a === 'cancel' ? ' btn-danger' : ''}`} disabled={busy} onClick={() => act(a)}>
                {ACTION_LABELS[a]}
              </button>
            ))}
            {detail.data.update.state === 'conflict' ? (
              <a className="btn btn-small btn-primary" href={`#/conflicts/${id}`}>
                Resolve conflict
              </a>
            ) : null}
          </div>
          {actionError ? <ErrorNote message={actionError} /> : null}
          <h3>History</h3>
          <HistoryList history={detail.data.history} />
        </>
      ) : null}
    </aside>
  );
}
