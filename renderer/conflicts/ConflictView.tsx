import { useState } from 'react';
import type { Fields } from '../../core/outbox/types.ts';
import { useApi } from '../app/api-context.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { FieldValueText } from '../common/FieldValueText.tsx';
import { errorMessage, formatDateTime } from '../format.ts';
import type { ConflictGroup } from './conflict-groups.ts';

type Resolution = 'keep-mine' | 'take-theirs' | 'edit';

const DONE_TEXT: Record<Resolution, string> = {
  'keep-mine': 'Your values will be sent again.',
  'take-theirs': "D365's values are kept; your change is dropped for these fields.",
  edit: 'The edited values will be sent.',
};

/** Base / ours / theirs side by side, and the three ways out. */
export function ConflictView({ group, onResolved }: { group: ConflictGroup; onResolved(text: string): void }) {
  const api = useApi();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const startEdit = () => {
    setDraft(Object.fromEntries(group.fields.map((f) => [f.field, f.ours === null ? '' : String(f.ours)])));
    setEditing(true);
  };

  const resolve = async (action: Resolution) => {
    setBusy(true);
    setError(null);
    try {
      const resolution = action === 'edit' ? { action, fields: { ...draft } as Fields } : { action };
      await api.resolveConflict({ id: group.updateId, resolution });
      onResolved(`${group.company} / ${group.orderNumber}: ${DONE_TEXT[action]}`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="panel conflict" aria-label={`Conflict on ${group.orderNumber}`}>
      <div className="panel-head">
        <h2>
          <span className="muted">{group.company} / </span>
          {group.orderNumber}
        </h2>
        <a className="muted small" href="#/queue" title="Update in the queue">
          update #{group.updateId}
        </a>
      </div>
      <p className="muted small">
        Someone else changed {group.fields.length === 1 ? 'a field' : 'fields'} you are changing, to a different value. Detected {formatDateTime(group.detectedAt)}.
      </p>
      <table className="table compare">
        <thead>
          <tr>
            <th>Field</th>
            <th>Base (when you decided)</th>
            <th className="col-ours">Yours</th>
            <th className="col-theirs">Theirs (in D365 now)</th>
          </tr>
        </thead>
        <tbody>
          {group.fields.map((f) => (
            <tr key={f.field} data-field={f.field}>
              <th scope="row">{f.field}</th>
              <td data-side="base">
                <FieldValueText value={f.base} />
              </td>
              <td data-side="ours" className="col-ours">
                {editing ? (
                  <input aria-label={`Value for ${f.field}`} value={draft[f.field] ?? ''} onChange={(e) => setDraft((d) => ({ ...d, [f.field]: e.target.value }))} />
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
      <div className="actions">
        {editing ? (
          <>
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => resolve('edit')}>
              Requeue with these values
            </button>
            <button type="button" className="btn" disabled={busy} onClick={() => setEditing(false)}>
              Back
            </button>
          </>
        ) : (
          <>
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => resolve('keep-mine')}>
              Keep mine
            </button>
            <button type="button" className="btn" disabled={busy} onClick={() => resolve('take-theirs')}>
              Take theirs
            </button>
            <button type="button" className="btn" disabled={busy} onClick={startEdit}>
              Edit and requeue…
            </button>
          </>
        )}
      </div>
      {error ? <ErrorNote message={error} /> : null}
    </article>
  );
}
