import { useState } from 'react';
import { HISTORY_KINDS, type HistoryEvent, type HistoryKind } from '../../core/outbox/types.ts';
import { AgentText } from '../common/AgentText.tsx';
import { useFormat } from '../i18n/use-format.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { useT } from '../i18n/use-t.ts';
import { historySentences, technicalText } from './history-sentences.ts';

export const HISTORY_LABELS = Object.fromEntries(HISTORY_KINDS.map((k) => [k, `history.${k}`])) as Record<HistoryKind, MessageId & `history.${HistoryKind}`>;

/**
 * The story of an update in sentences; the agent's technical record (status codes, ETags) is one
 * switch away. A long history scrolls inside the panel; it takes focus so the keyboard can scroll it too.
 */
export function HistoryList({ history, labelledBy }: { history: HistoryEvent[]; labelledBy: string }) {
  const t = useT();
  const fmt = useFormat();
  const [technical, setTechnical] = useState(false);
  if (history.length === 0) return <p className="muted">{t('history.none')}</p>;
  return (
    <>
      <button type="button" className="btn btn-ghost btn-small history-toggle" aria-pressed={technical} onClick={() => setTechnical((v) => !v)}>
        {t('history.technical')}
      </button>
      <ol className="history" tabIndex={0} aria-labelledby={labelledBy}>
        {history.map((h) => {
          const said = typeof h.detail?.message === 'string' && h.kind === 'failed' && h.detail.code !== 'CANCELLED' ? h.detail.message : null;
          return (
            <li key={h.id} className={`history-${h.kind}`}>
              <span className="history-time">{fmt.when(h.at)}</span>
              <span className="history-kind">{t(HISTORY_LABELS[h.kind])}</span>
              <span className="history-text">
                {historySentences(h, fmt)
                  .map((m) => t.msg(m))
                  .join(' ')}
                {said ? (
                  <>
                    {' '}
                    <AgentText>{said}</AgentText>
                  </>
                ) : null}
              </span>
              {technical ? <AgentText className="history-detail">{technicalText(h.detail)}</AgentText> : null}
            </li>
          );
        })}
      </ol>
    </>
  );
}
