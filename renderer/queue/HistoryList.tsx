import { HISTORY_KINDS, type HistoryEvent, type HistoryKind } from '../../core/outbox/types.ts';
import { AgentText } from '../common/AgentText.tsx';
import { useFormat } from '../i18n/use-format.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { useT } from '../i18n/use-t.ts';

export const HISTORY_LABELS = Object.fromEntries(HISTORY_KINDS.map((k) => [k, `history.${k}`])) as Record<HistoryKind, MessageId & `history.${HistoryKind}`>;

/** The agent's technical detail (status codes, ETags), as it recorded it. */
function detailText(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

/** A long history scrolls inside the panel; it takes focus so the keyboard can scroll it too. */
export function HistoryList({ history, labelledBy }: { history: HistoryEvent[]; labelledBy: string }) {
  const t = useT();
  const fmt = useFormat();
  if (history.length === 0) return <p className="muted">{t('history.none')}</p>;
  return (
    <ol className="history" tabIndex={0} aria-labelledby={labelledBy}>
      {history.map((h) => {
        const text = detailText(h.detail);
        return (
          <li key={h.id} className={`history-${h.kind}`}>
            <span className="history-time">{fmt.when(h.at)}</span>
            <span className="history-kind">{t(HISTORY_LABELS[h.kind])}</span>
            <AgentText className="history-detail">{text}</AgentText>
          </li>
        );
      })}
    </ol>
  );
}
