import type { MetricsSnapshot } from '../../core/metrics.ts';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';

const W = 480;
const H = 120;
const PAD_BOTTOM = 16;
const PAD_TOP = 10;

/** Concurrency errors by hour of day: when are other users busiest on our orders. */
export function HourChart({ byHour }: { byHour: MetricsSnapshot['byHour'] }) {
  const t = useT();
  const fmt = useFormat();
  const max = Math.max(1, ...byHour.map((h) => h.concurrencyErrors));
  const slot = W / 24;
  const barW = slot * 0.7;
  const plotH = H - PAD_BOTTOM - PAD_TOP;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('metrics.chartTitle')}>
      <line x1={0} x2={W} y1={H - PAD_BOTTOM} y2={H - PAD_BOTTOM} className="chart-axis" />
      {byHour.map((h) => {
        const barH = (h.concurrencyErrors / max) * plotH;
        const x = h.hour * slot + (slot - barW) / 2;
        return (
          <g key={h.hour}>
            <rect x={x} y={H - PAD_BOTTOM - barH} width={barW} height={Math.max(barH, h.concurrencyErrors ? 1 : 0)} className="chart-bar" rx={1.5} />
            {h.hour % 3 === 0 ? (
              <text x={h.hour * slot + slot / 2} y={H - 3} className="chart-label" textAnchor="middle">
                {fmt.hour(h.hour)}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
