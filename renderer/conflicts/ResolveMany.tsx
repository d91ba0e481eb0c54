import { useState } from 'react';
import { useApi } from '../app/api-context.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { errorMessage } from '../format.ts';
import { useT } from '../i18n/use-t.ts';

type Action = 'keep-mine' | 'take-theirs';

/**
 * One decision for many conflicts: pick them (or all), then keep mine or take theirs for the
 * lot in one call. What could not be resolved is listed with the agent's reason.
 */
export function ResolveMany({
  total,
  picked,
  onPickAll,
  onResolved,
}: {
  total: number;
  picked: readonly number[];
  onPickAll(on: boolean): void;
  onResolved(action: Action, resolved: number[], failed: number): void;
}) {
  const api = useApi();
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const all = picked.length === total && total > 0;

  const resolve = async (action: Action) => {
    setBusy(true);
    setError(null);
    try {
      const resolved: number[] = [];
      const failed: string[] = [];
      // The agent takes up to 1,000 at once.
      for (let i = 0; i < picked.length; i += 1000) {
        const r = await api.resolveConflicts({ ids: picked.slice(i, i + 1000), resolution: { action } });
        resolved.push(...r.resolved.map((u) => u.id));
        failed.push(...r.failed.map((f) => `#${f.id}: ${f.message}`));
      }
      if (failed.length) setError(t('conflicts.manyFailed', { n: failed.length, list: failed.slice(0, 5).join('; ') }));
      onResolved(action, resolved, failed.length);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="resolve-many no-print" role="group" aria-label={t('conflicts.manyLabel')}>
      <label className="check">
        <input type="checkbox" checked={all} ref={(el) => {
            // "Some picked" is a third state a checkbox can only show from script.
            if (el) el.indeterminate = picked.length > 0 && !all;
          }} onChange={(e) => onPickAll(e.target.checked)} />
        {t('conflicts.pickAll', { n: total })}
      </label>
      <span className="spacer" />
      <button type="button" className="btn btn-small btn-primary" disabled={busy || picked.length === 0} onClick={() => resolve('keep-mine')}>
        {t('conflicts.keepMineMany', { n: picked.length })}
      </button>
      <button type="button" className="btn btn-small" disabled={busy || picked.length === 0} onClick={() => resolve('take-theirs')}>
        {t('conflicts.takeTheirsMany', { n: picked.length })}
      </button>
      {error ? <ErrorNote message={error} /> : null}
    </div>
  );
}
