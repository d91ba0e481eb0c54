import { useEffect, useRef, useState } from 'react';
import type { Fields, Update, UpdateSource } from '../../core/outbox/types.ts';
import { useApi } from '../app/api-context.tsx';
import { focusSoon } from '../app/focus.ts';
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
import { isCancelled, problemOf } from './update-problem.ts';

type Action = 'hold' | 'release' | 'retry' | 'edit' | 'cancel' | 'undoCancel';

/** What a person can do with an update in each state; a failed or held one is never a dead end. */
function actionsFor(u: Update): Action[] {
  if (u.state === 'pending') return ['hold', 'cancel'];
  if (u.state === 'held') return ['release', 'edit', 'cancel'];
  if (isCancelled(u)) return ['undoCancel'];
  if (u.state === 'failed') return ['retry', 'edit', 'cancel'];
  return [];
}

const ACTION_LABELS: Record<Action, MessageId> = {
  hold: 'detail.hold',
  release: 'detail.release',
  retry: 'detail.retry',
  edit: 'detail.edit',
  cancel: 'detail.cancel',
  undoCancel: 'detail.undo',
};
const SOURCE_LABELS: Record<UpdateSource, MessageId> = { form: 'source.form', csv: 'source.csv', cli: 'source.cli', api: 'source.api' };

type Mode = { kind: 'view' } | { kind: 'confirm-cancel' } | { kind: 'edit'; draft: Record<string, string> };

/**
 * One update, its fields and history; the queue screen closes it on Escape. Focus moves to the heading when it opens (so a screen
 * reader says which update) and after an action to what the action left behind (Undo after a cancel).
 */
export function UpdateDetail({ id, onClose, onChanged }: { id: number; onClose(): void; onChanged(): void }) {
  const api = useApi();
  const t = useT();
  const fmt = useFormat();
  const root = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const detail = useLoad(() => api.getUpdate({ id }), [api, id]);
  const [busy, setBusy] = useState(false);
  const [mode, setMode] = useState<Mode>({ kind: 'view' });
  const [actionError, setActionError] = useState<string | null>(null);
  const [justCancelled, setJustCancelled] = useState(false);
  useRefreshOn(detail.reload, ['sending', 'retrying', 'done', 'conflict', 'failed', 'deferred', 'changed', 'queued'], 400);

  useEffect(() => {
    heading.current?.focus();
    setMode({ kind: 'view' });
    setJustCancelled(false);
  }, [id]);

  // Where focus goes once the control it belongs on is rendered (after a reload, for Undo).
  const wantFocus = useRef<string | null>(null);
  const focusButton = (name: string) => {
    wantFocus.current = name;
  };
  useEffect(() => {
    const el = wantFocus.current ? root.current?.querySelector<HTMLElement>(`[data-action="${wantFocus.current}"]`) : null;
    if (el) {
      wantFocus.current = null;
      el.focus();
    }
  });

  const run = async (call: () => Promise<unknown>, after: () => void) => {
    setBusy(true);
    setActionError(null);
    try {
      await call();
      detail.reload();
      onChanged();
      after();
    } catch (e) {
      setActionError(errorMessage(e));
      heading.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const act = (action: Action, u: Update) => {
    switch (action) {
      case 'edit':
        setMode({ kind: 'edit', draft: Object.fromEntries(Object.entries(u.fields).map(([f, v]) => [f, v === null ? '' : String(v)])) });
        focusSoon(() => root.current?.querySelector<HTMLInputElement>('.detail-edit input'));
        return;
      case 'cancel':
        setMode({ kind: 'confirm-cancel' });
        focusButton('cancel-no');
        return;
      case 'undoCancel':
        return run(
          () => api.undoCancel({ id }),
          () => {
            setJustCancelled(false);
            heading.current?.focus();
          },
        );
      default:
        return run(
          () => api[action]({ id }),
          () => heading.current?.focus(),
        );
    }
  };

  const confirmCancel = () =>
    run(
      () => api.cancel({ id }),
      () => {
        setMode({ kind: 'view' });
        setJustCancelled(true);
        // Undo is what a person who pressed the wrong button looks for next.
        focusButton('undoCancel');
      },
    );

  const requeue = (draft: Record<string, string>) => {
    const empty = Object.entries(draft).find(([, v]) => v.trim() === '');
    if (empty) {
      setActionError(t('detail.needValue', { field: empty[0] }));
      return;
    }
    return run(
      () => api.requeue({ id, fields: draft as Fields }),
      () => {
        setMode({ kind: 'view' });
        heading.current?.focus();
      },
    );
  };

  const u = detail.data?.update;
  const problem = u ? problemOf(u) : null;
  return (
    <aside ref={root} className="panel detail" aria-labelledby={`update-${id}-title`}>
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
            {isCancelled(u) ? <span className="badge badge-held">{t('detail.cancelledBadge')}</span> : null}
          </div>
          <p className="muted small">
            {t('detail.queued', { when: fmt.dateTime(u.createdAt), who: u.queuedBy, source: t(SOURCE_LABELS[u.source]), attempts: u.attempts })}
          </p>
          {problem && u.lastError ? (
            <div className={`note note-wrap ${u.state === 'failed' && !isCancelled(u) ? 'note-warning' : 'note-info'}`}>
              <strong>{t(problem.headline)}</strong>
              {problem.showMessage ? (
                <>
                  {' '}
                  <AgentText>{u.lastError.message}</AgentText>
                </>
              ) : null}
              <details className="details">
                <summary>{t('common.details')}</summary>
                <AgentText>
                  <code>{u.lastError.code}</code>
                  {problem.showMessage ? null : ` ${u.lastError.message}`}
                </AgentText>
              </details>
            </div>
          ) : null}
          {!u.base ? <p className="hint hint-warning">{t('detail.noBase')}</p> : null}
          {mode.kind === 'edit' ? (
            <div className="detail-edit" role="group" aria-label={t('detail.editLabel')}>
              {Object.keys(mode.draft).map((field) => (
                <label key={field}>
                  {t('detail.valueFor', { field })}
                  <input value={mode.draft[field]} onChange={(e) => setMode({ kind: 'edit', draft: { ...mode.draft, [field]: e.target.value } })} />
                </label>
              ))}
              <div className="actions">
                <button type="button" className="btn btn-primary btn-small" disabled={busy} onClick={() => requeue(mode.draft)}>
                  {t('detail.requeue')}
                </button>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={busy}
                  onClick={() => {
                    setMode({ kind: 'view' });
                    focusButton('edit');
                  }}
                >
                  {t('common.back')}
                </button>
              </div>
            </div>
          ) : (
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
          )}
          {mode.kind === 'confirm-cancel' ? (
            <div className="note note-warning confirm" role="group" aria-label={t('detail.cancelAsk', { id })}>
              <span className="note-text">{t('detail.cancelAsk', { id })}</span>
              <button type="button" data-action="cancel-yes" className="btn btn-small btn-danger" disabled={busy} onClick={confirmCancel}>
                {t('detail.cancelYes')}
              </button>
              <button
                type="button"
                data-action="cancel-no"
                className="btn btn-small"
                disabled={busy}
                onClick={() => {
                  setMode({ kind: 'view' });
                  focusButton('cancel');
                }}
              >
                {t('detail.cancelNo')}
              </button>
            </div>
          ) : null}
          {mode.kind === 'view' ? (
            <div className="actions">
              {actionsFor(u).map((a) => (
                <button
                  key={a}
                  type="button"
                  data-action={a}
                  className={`btn btn-small${a === 'cancel' ? ' btn-danger' : a === 'retry' || a === 'undoCancel' ? ' btn-primary' : ''}`}
                  disabled={busy}
                  onClick={() => act(a, u)}
                >
                  {t(ACTION_LABELS[a])}
                </button>
              ))}
              {u.state === 'conflict' ? (
                <a className="btn btn-small btn-primary" href={`#/conflicts/${id}`}>
                  {t('detail.resolve')}
                </a>
              ) : null}
            </div>
          ) : null}
          {justCancelled && isCancelled(u) ? (
            <p className="note note-success" role="status">
              {t('detail.cancelledNote', { id })}
            </p>
          ) : null}
          {actionError ? <ErrorNote message={actionError} /> : null}
          <h3 id={`update-${id}-history`}>{t('detail.history')}</h3>
          <HistoryList history={detail.data.history} labelledBy={`update-${id}-history`} />
        </>
      ) : null}
    </aside>
  );
}
