import type { HistoryEvent } from '../../core/outbox/types.ts';
import { formatWhen } from '../format.ts';

function detailText(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

export function HistoryList({ history }: { history: HistoryEvent[] }) {
  if (history.length === 0) return <p className="muted">No history yet.</p>;
  return (
    <ol className="history">
      {history.map((h) => {
        const text = detailText(h.detail);
        return (
          <li key={h.id} className={`history-${h.kind}`}>
            <span className="history-time">{formatWhen(h.at)}</span>
            <span className="history-kind">{h.kind}</span>
            <span className="history-detail" title={text}>
              {text}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
