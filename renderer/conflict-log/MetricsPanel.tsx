import type { MetricsSnapshot } from '../../core/metrics.ts';
import { HourChart } from './HourChart.tsx';

export function MetricsPanel({ metrics }: { metrics: MetricsSnapshot }) {
  const t = metrics.totals;
  return (
    <div className="panel metrics">
      <div className="tiles">
        <div className="tile">
          <span className="tile-value">{metrics.retriesPerSuccess.toFixed(2)}</span>
          <span className="tile-label">retries per success</span>
        </div>
        <div className="tile">
          <span className="tile-value">{(metrics.concurrencyRate * 100).toFixed(1)}%</span>
          <span className="tile-label">requests hit a concurrency error</span>
        </div>
        <div className="tile">
          <span className="tile-value">{t.conflicts.toLocaleString()}</span>
          <span className="tile-label">needed a person</span>
        </div>
        <div className="tile">
          <span className="tile-value">{t.successes.toLocaleString()}</span>
          <span className="tile-label">sent</span>
        </div>
      </div>
      <h3>Concurrency errors by hour of day</h3>
      <HourChart byHour={metrics.byHour} />
    </div>
  );
}
