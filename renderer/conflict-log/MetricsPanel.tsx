import type { MetricsSnapshot } from '../../core/metrics.ts';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';
import { HourChart } from './HourChart.tsx';

export function MetricsPanel({ metrics }: { metrics: MetricsSnapshot }) {
  const t = useT();
  const fmt = useFormat();
  const totals = metrics.totals;
  return (
    <div className="panel metrics">
      <div className="tiles">
        <div className="tile">
          <span className="tile-value">{fmt.number(Math.round(metrics.retriesPerSuccess * 100) / 100)}</span>
          <span className="tile-label">{t('metrics.retriesPerSuccess')}</span>
        </div>
        <div className="tile">
          <span className="tile-value">{fmt.percent(metrics.concurrencyRate)}</span>
          <span className="tile-label">{t('metrics.concurrencyRate')}</span>
        </div>
        <div className="tile">
          <span className="tile-value">{fmt.number(totals.conflicts)}</span>
          <span className="tile-label">{t('metrics.neededPerson')}</span>
        </div>
        <div className="tile">
          <span className="tile-value">{fmt.number(totals.successes)}</span>
          <span className="tile-label">{t('metrics.sent')}</span>
        </div>
      </div>
      <h2 className="section-title">{t('metrics.chartTitle')}</h2>
      <HourChart byHour={metrics.byHour} />
    </div>
  );
}
