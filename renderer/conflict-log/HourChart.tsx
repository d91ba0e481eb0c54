import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';
import type { HourOfDay } from './hour-rates.ts';

type Series = 'retryRate' | 'conflictRate';

const SERIES: { key: Series; label: 'chart.retryRate' | 'chart.conflictRate' }[] = [
  { key: 'retryRate', label: 'chart.retryRate' },
  { key: 'conflictRate', label: 'chart.conflictRate' },
];

/**
 * The two rates by hour of day as two rows of bars on one scale, every value written on its
 * bar and every hour labelled: nothing hides behind a hover. Drawn for the eye (aria-hidden);
 * the table beside it says the same to a screen reader.
 */
export function HourChart({ rows }: { rows: HourOfDay[] }) {
  const t = useT();
  const fmt = useFormat();
  const top = Math.max(0.01, ...rows.flatMap((r) => [r.retryRate ?? 0, r.conflictRate ?? 0]));
  // Short labels on the bars (the table has one decimal everywhere).
  const short = (v: number) => fmt.percent(v, v > 0 && v < 0.1 ? 1 : 0);
  return (
    <div className="hour-chart" aria-hidden="true">
      {SERIES.map((s) => (
        <div key={s.key} className={`chart-row chart-${s.key}`} data-series={s.key}>
          <div className="chart-row-label">
            <span className="swatch" />
            {t(s.label)}
          </div>
          <ol className="chart-bars">
            {rows.map((r) => {
              const v = r[s.key];
              return (
                <li key={r.hour} data-hour={r.hour}>
                  <span className={v === null ? 'bar-value bar-none' : 'bar-value'}>{v === null ? '–' : short(v)}</span>
                  {/* Heights through the CSSOM, which the style-src 'self' policy allows. */}
                  <span className="bar" style={{ height: `${v === null ? 0 : Math.max((v / top) * 100, v > 0 ? 2 : 0)}%` }} />
                </li>
              );
            })}
          </ol>
        </div>
      ))}
      <ol className="chart-hours">
        {rows.map((r) => (
          <li key={r.hour}>{fmt.hour(r.hour)}</li>
        ))}
      </ol>
    </div>
  );
}

/** The chart's numbers as a table: what a screen reader reads instead of the bars. */
export function HourTable({ rows, caption }: { rows: HourOfDay[]; caption: string }) {
  const t = useT();
  const fmt = useFormat();
  const rate = (v: number | null) => (v === null ? t('chart.noData') : fmt.percent(v));
  return (
    // The wrapper hides it: a table keeps its content's width whatever width it is given.
    <div className="sr-only">
    <table className="hour-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('chart.hour')}</th>
          <th scope="col">{t('chart.retryRate')}</th>
          <th scope="col">{t('chart.requests')}</th>
          <th scope="col">{t('chart.concurrencyErrors')}</th>
          <th scope="col">{t('chart.conflictRate')}</th>
          <th scope="col">{t('chart.sent')}</th>
          <th scope="col">{t('chart.neededPerson')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.hour} data-hour={r.hour}>
            <th scope="row">{fmt.hourRange(r.hour)}</th>
            <td>{rate(r.retryRate)}</td>
            <td>{fmt.number(r.requests)}</td>
            <td>{fmt.number(r.concurrencyErrors)}</td>
            <td>{rate(r.conflictRate)}</td>
            <td>{fmt.number(r.successes)}</td>
            <td>{fmt.number(r.conflicts)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}
