import type { Update } from '../../core/outbox/types.ts';
import { StateBadge } from '../common/StateBadge.tsx';
import { formatWhen, summariseFields } from '../format.ts';

export function UpdateTable({ items, selectedId, onSelect }: { items: Update[]; selectedId: number | null; onSelect(id: number): void }) {
  return (
    <table className="table table-hover">
      <thead>
        <tr>
          <th className="num">#</th>
          <th>Order</th>
          <th>Changes</th>
          <th>State</th>
          <th className="num" title="Attempts">Tries</th>
          <th>Updated</th>
        </tr>
      </thead>
      <tbody>
        {items.map((u) => (
          <tr
            key={u.id}
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
            <td className="ellipsis" title={summariseFields(u.fields)}>
              {summariseFields(u.fields)}
            </td>
            <td>
              <StateBadge state={u.state} />
            </td>
            <td className="num">{u.attempts}</td>
            <td className="nowrap muted">{formatWhen(u.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
