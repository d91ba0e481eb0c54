import type { Update } from '../../core/outbox/types.ts';
import { StateBadge } from '../common/StateBadge.tsx';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';

export function UpdateTable({ items, selectedId, onSelect }: { items: Update[]; selectedId: number | null; onSelect(id: number): void }) {
  const t = useT();
  const fmt = useFormat();
  return (
    <table className="table table-hover updates" aria-label={t('queue.tableLabel')}>
      <thead>
        <tr>
          <th className="num" scope="col">
            #
          </th>
          <th scope="col">{t('column.order')}</th>
          <th scope="col" className="col-changes">
            {t('column.changes')}
          </th>
          <th scope="col">{t('column.state')}</th>
          <th className="num" scope="col" title={t('column.attemptsLong')}>
            {t('column.attempts')}
          </th>
          <th scope="col">{t('column.updated')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((u) => {
          const changes = fmt.changes(u.fields);
          return (
            <tr
              key={u.id}
              data-update-id={u.id}
              className={u.id === selectedId ? 'selected' : undefined}
              tabIndex={0}
              aria-selected={u.id === selectedId}
              onClick={() => onSelect(u.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onSelect(u.id);
                }
              }}
            >
              <td className="num muted">{u.id}</td>
              <td className="nowrap">
                <span className="muted">{u.company} / </span>
                <strong>{u.orderNumber}</strong>
              </td>
              <td className="ellipsis" title={changes}>
                {changes}
              </td>
              <td>
                <StateBadge state={u.state} />
              </td>
              <td className="num">{u.attempts}</td>
              <td className="nowrap muted">{fmt.when(u.updatedAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
