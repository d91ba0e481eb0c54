import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';
import type { ConflictGroup } from './conflict-groups.ts';

/** The open conflicts: each opens its per-field table in one click, and each can be picked for one decision on many. */
export function ConflictList({
  groups,
  selectedId,
  picked,
  onPick,
}: {
  groups: ConflictGroup[];
  selectedId: number | null;
  picked: ReadonlySet<number>;
  onPick(id: number, on: boolean): void;
}) {
  const t = useT();
  const fmt = useFormat();
  return (
    <ul className="conflict-list" aria-label={t('conflicts.listLabel')}>
      {groups.map((g) => (
        <li key={g.updateId} className={picked.has(g.updateId) ? 'picked' : undefined}>
          <input
            type="checkbox"
            className="conflict-pick"
            checked={picked.has(g.updateId)}
            aria-label={t('conflicts.pick', { order: `${g.company} / ${g.orderNumber}` })}
            onChange={(e) => onPick(g.updateId, e.target.checked)}
          />
          <a href={`#/conflicts/${g.updateId}`} className={g.updateId === selectedId ? 'selected' : undefined} aria-current={g.updateId === selectedId ? 'true' : undefined}>
            <span className="conflict-list-order">
              <span className="muted">{g.company} / </span>
              <strong>{g.orderNumber}</strong>
            </span>
            <span className="conflict-list-meta muted">
              {g.fields.map((f) => f.field).join(', ')} · {fmt.when(g.detectedAt)}
            </span>
          </a>
        </li>
      ))}
    </ul>
  );
}
