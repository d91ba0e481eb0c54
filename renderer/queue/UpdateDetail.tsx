import { useEffect, useRef, useState } from 'react';
import type { Update, UpdateSource } from '../../core/outbox/types.ts';
import { useApi } from '../app/api-context.tsx';
import { useRefreshOn } from '../app/use-agent-events.ts';
import { useLoad } from '../app/use-load.ts';
import { AgentText } from '../common/AgentText.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { FieldValueText } from '../common/FieldValueText.tsx';
import { Loading } from '../common/Loading.tsx';
import { StateBadge } from '../common/StateBadge.tsx';
import { errorMessage } from '../format.ts';
import { useFormat } from '../i18n/use-format.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { useT } from '../i18n/use-t.ts';
import { HistoryList } from './HistoryList.tsx';

type Action = 'hold' | 'release' | 'cancel';

function actionsFor(u: Update): Action[] {
  if (u.state === 'pending') return ['hold', 'cancel'];
  if (u.state === 'held') return ['release', 'cancel'];
  return [];
}

const ACTION_LABELS: Record<Action, MessageId> = { hold: 'detail.hold', release: 'detail.release', cancel: 'detail.cancel' };
const SOURCE_LABELS: Record<UpdateSource, MessageId> = { form: 'source.form', csv: 'source.csv', cli: 'source.cli', api: 'source.api' };

/**
 * One update, its fields and history; the queue screen closes it on Escape. Focus moves to the heading when it opens (so a screen
 * reader says which update) and after an action replaces the button that was pressed.
 */
export function UpdateDetail({ id, onClose, onChanged }: { id: number; onClose(): void; onChanged(): void }) {
  const api = useApi();
  const t = useT();
  const fmt = useFormat();
  const heading = useRef<HTMLHeadingElement>(null);
  const detail = useLoad(() => api.getUpdate({ id }), [api, id]);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  useRefreshOn(detail.reload, ['sending', 'retrying', 'done', 'conflict', 'failed', 'deferred', 'changed', 'queued'], 400);

  useEffect(() => {
    heading.current?.focus();
  }, [id]);

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
      heading.current?.focus();
    }
  };

  const u = detail.data?.update;
  return (
    <aside className="panel detail" aria-labelledby={`update-${id}-title`}>
      <div className="panel-head">
        <h2 id={`update-${id}-title`} ref={heading} tabIndex={-1}>
          {t('detail.title', { id })}
        </h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} aria-label={t('detail.close')} aria-keyshortcuts="Escape">
          ×
        </button>
      </div>
      {detail.loading && !detail.data ? <Loading text={t('detail.loading')} /> : null}
      {detail.error ? <ErrorNote message={detail.error.message} onRetry={detail.reload} /> : null}
      {u && detail.data ? (
        <>
          <div className="detail-summary">
            <strong>
              {u.company} / {u.orderNumber}
            </strong>
            <StateBadge state={u.state} />
          </div>
          <p className="muted small">
            {t('detail.queued', { when: fmt.dateTime(u.createdAt), who: u.queuedBy, source: t(SOURCE_LABELS[u.source]), attempts: u.attempts })}
          </p>
          {u.lastError ? (
            <div className="note note-warning note-wrap">
              <strong>{u.lastError.code}</strong> <AgentText>{u.lastError.message}</AgentText>
            </div>
          ) : null}
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">{t('column.field')}</th>
                <th scope="col">{t('column.newValue')}</th>
                <th scope="col">{t('column.base')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(u.fields).map(([field, value]) => (
                <tr key={field}>
                  <td>{field}</td>
                  <td>
                    <FieldValueText value={value} />
                  </td>
                  <td>{u.base ? <FieldValueText value={u.base[field]} /> : <span className="muted">{t('detail.baseUnknown')}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            {actionsFor(u).map((a) => (
              <button key={a} type="button" className={`btn btn-small${a === 'cancel' ? ' btn-danger' : ''}`} disabled={busy} onClick={() => act(a)}>
                {t(ACTION_LABELS[a])}
              </button>
            ))}
            {u.state === 'conflict' ? (
              <a className="btn btn-small btn-primary" href={`#/conflicts/${id}`}>
                {t('detail.resolve')}
              </a>
            ) : null}
          </div>
          {actionError ? <ErrorNote message={actionError} /> : null}
          <h3 id={`update-${id}-history`}>{t('detail.history')}</h3>
          <HistoryList history={detail.data.history} labelledBy={`update-${id}-history`} />
        </>
      ) : null}
    </aside>
  );
}
