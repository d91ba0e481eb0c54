import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';
import type { ConflictGroup } from './conflict-groups.ts';

export function ConflictList({ groups, selectedId }: { groups: ConflictGroup[]; selectedId: number | null }) {
  const t = useT();
  const fmt = useFormat();
  return (
    <ul className="conflict-list" aria-label={t('conflicts.listLabel')}>
      {groups.map((g) => (
        <li key={g.updateId}>
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
