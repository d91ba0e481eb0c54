import type { AgentStatusView } from '../app/agent-status.tsx';
import { useT } from '../i18n/use-t.ts';

/** "n of m" for this drain run: sent so far against sent plus still waiting. */
export function DrainProgress({ view }: { view: AgentStatusView }) {
  const t = useT();
  const { status, progress } = view;
  if (!status) return null;
  const fresh = progress && progress.at >= Date.now() - 10_000 ? progress : null;
  const counts = fresh?.counts ?? status.counts;
  const sent = fresh?.sentThisRun ?? status.drain.sentThisRun;
  const waiting = counts.pending + counts.sending;
  if (waiting === 0) return <span className="drain">{t('status.allSent', { done: counts.done })}</span>;
  const total = sent + waiting;
  const pct = total ? Math.round((sent / total) * 100) : 0;
  const rate = fresh && fresh.ratePerMinute > 0 ? Math.round(fresh.ratePerMinute) : 0;
  return (
    <span className="drain">
      <span className="meter" aria-hidden="true">
        {/* React sets styles through the CSSOM, which style-src 'self' allows. */}
        <span className="meter-fill" style={{ width: `${pct}%` }} />
      </span>
      {t('status.progress', { sent, total, waiting, rate })}
    </span>
  );
}
