import { useEffect, useRef, useState } from 'react';
import type { Fields } from '../../core/outbox/types.ts';
import { useApi } from '../app/api-context.tsx';
import { focusIfLost } from '../app/focus.ts';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { FieldValueText } from '../common/FieldValueText.tsx';
import { errorMessage } from '../format.ts';
import { useFormat } from '../i18n/use-format.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { useT } from '../i18n/use-t.ts';
import type { ConflictGroup } from './conflict-groups.ts';

type Resolution = 'keep-mine' | 'take-theirs' | 'edit';

const DONE_TEXT: Record<Resolution, MessageId> = {
  'keep-mine': 'conflict.done.keepMine',
  'take-theirs': 'conflict.done.takeTheirs',
  edit: 'conflict.done.edit',
};

/** Base / ours / theirs side by side, and the three ways out. */
export function ConflictView({ group, onResolved, focusOnOpen = false }: { group: ConflictGroup; onResolved(text: string): void; focusOnOpen?: boolean }) {
  const api = useApi();
  const t = useT();
  const fmt = useFormat();
  const heading = useRef<HTMLHeadingElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const firstInput = useRef<HTMLInputElement>(null);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (focusOnOpen) heading.current?.focus();
    // Only when this conflict opens, not on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const startEdit = () => {
    setDraft(Object.fromEntries(group.fields.map((f) => [f.field, f.ours === null ? '' : String(f.ours)])));
    setEditing(true);
    requestAnimationFrame(() => firstInput.current?.focus());
  };

  const stopEdit = () => {
    setEditing(false);
    requestAnimationFrame(() => editButton.current?.focus());
  };

  const resolve = async (action: Resolution) => {
    setBusy(true);
    setError(null);
    try {
      const resolution = action === 'edit' ? { action, fields: { ...draft } as Fields } : { action };
      await api.resolveConflict({ id: group.updateId, resolution });
      onResolved(t(DONE_TEXT[action], { order: `${group.company} / ${group.orderNumber}` }));
    } catch (e) {
      setError(errorMessage(e));
      focusIfLost(() => heading.current);
    } finally {
      setBusy(false);
    }
  };

  const titleId = `conflict-${group.updateId}-title`;
  return (
    <article className="panel conflict" aria-label={t('conflict.label', { order: group.orderNumber })}>
      <div className="panel-head">
        <h2 id={titleId} ref={heading} tabIndex={-1}>
          <span className="muted">{group.company} / </span>
          {group.orderNumber}
        </h2>
        <a className="muted small" href="#/queue">
          {t('conflict.updateLink', { id: group.updateId })}
        </a>
      </div>
      <p className="muted small">{t('conflict.explain', { fields: group.fields.length, detected: fmt.dateTime(group.detectedAt) })}</p>
      <table className="table compare">
        <thead>
          <tr>
            <th scope="col">{t('column.field')}</th>
            <th scope="col">{t('conflict.base')}</th>
            <th scope="col" className="col-ours">
              {t('conflict.ours')}
            </th>
            <th scope="col" className="col-theirs">
              {t('conflict.theirs')}
            </th>
          </tr>
        </thead>
        <tbody>
          {group.fields.map((f, i) => (
            <tr key={f.field} data-field={f.field}>
              <th scope="row">{f.field}</th>
              <td data-side="base">
                <FieldValueText value={f.base} />
              </td>
              <td data-side="ours" className="col-ours">
                {editing ? (
                  <input
                    ref={i === 0 ? firstInput : undefined}
                    aria-label={t('conflict.valueFor', { field: f.field })}
                    value={draft[f.field] ?? ''}
                    onChange={(e) => setDraft((d) => ({ ...d, [f.field]: e.target.value }))}
                  />
                ) : (
                  <FieldValueText value={f.ours} />
                )}
              </td>
              <td data-side="theirs" className="col-theirs">
                <FieldValueText value={f.theirs} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions no-print">
        {editing ? (
          <>
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => resolve('edit')}>
              {t('conflict.requeue')}
            </button>
            <button type="button" className="btn" disabled={busy} onClick={stopEdit}>
              {t('common.back')}
            </button>
          </>
        ) : (
          <>
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => resolve('keep-mine')}>
              {t('conflict.keepMine')}
            </button>
            <button type="button" className="btn" disabled={busy} onClick={() => resolve('take-theirs')}>
              {t('conflict.takeTheirs')}
            </button>
            <button ref={editButton} type="button" className="btn" disabled={busy} onClick={startEdit}>
              {t('conflict.edit')}
            </button>
          </>
        )}
      </div>
      {error ? <ErrorNote message={error} /> : null}
    </article>
  );
}
