import type { MetricsSnapshot } from '../../core/metrics.ts';
import { useIntl } from 'react-intl';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';
import { busiestHour, ratesByHourOfDay } from './hour-rates.ts';
import { HourChart, HourTable } from './HourChart.tsx';

/**
 * The viewer's time zone as a person knows it, with its offset ("India Standard Time
 * (GMT+05:30)"): every time on this page is in it. IANA ids are not shown; browsers still
 * report some by old names (Asia/Calcutta).
 */
function viewerTimeZone(locale: string, at = new Date()): string {
  const part = (style: 'long' | 'longOffset') =>
    new Intl.DateTimeFormat(locale, { timeZoneName: style }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const name = part('long');
  const offset = part('longOffset');
  return name && name !== offset ? `${name} (${offset})` : offset;
}

/**
 * How often other users get in the way, by hour of day, for the period the filters pick:
 * the retry rate (concurrency errors per request, absorbed by re-reading) against the rate
 * that reached a person (conflicts per update sent).
 */
export function MetricsPanel({ metrics, period }: { metrics: MetricsSnapshot; period: string }) {
  const t = useT();
  const fmt = useFormat();
  const rows = ratesByHourOfDay(metrics.hours);
  const totals = rows.reduce(
    (a, r) => ({ requests: a.requests + r.requests, errors: a.errors + r.concurrencyErrors, sent: a.sent + r.successes, conflicts: a.conflicts + r.conflicts }),
    { requests: 0, errors: 0, sent: 0, conflicts: 0 },
  );
  const peak = busiestHour(rows);
  const zone = viewerTimeZone(useIntl().locale);
  const title = t('chart.title');

  return (
    <section className="panel metrics" aria-labelledby="metrics-title">
      <h2 id="metrics-title" className="section-title">
        {title}
      </h2>
      <p className="muted small chart-note">{t('chart.zone', { zone, period })}</p>
      <div className="tiles">
        <div className="tile">
          <span className="tile-value">{totals.requests ? fmt.percent(totals.errors / totals.requests) : '–'}</span>
          <span className="tile-label">{t('chart.tileRetry', { errors: totals.errors, requests: totals.requests })}</span>
        </div>
        <div className="tile">
          <span className="tile-value">{totals.sent ? fmt.percent(totals.conflicts / totals.sent) : '–'}</span>
          <span className="tile-label">{t('chart.tileConflict', { conflicts: totals.conflicts, sent: totals.sent })}</span>
        </div>
      </div>
      <p className="chart-headline" data-testid="chart-headline">
        {peak && peak.retryRate
          ? t('chart.headline', {
              hours: fmt.hourRange(peak.hour),
              retry: fmt.percent(peak.retryRate),
              conflict: peak.conflictRate === null ? t('chart.noData') : fmt.percent(peak.conflictRate),
            })
          : totals.requests
            ? t('chart.headlineCalm')
            : t('chart.headlineEmpty')}
      </p>
      <HourChart rows={rows} />
      <HourTable rows={rows} caption={`${title} — ${t('chart.zone', { zone, period })}`} />
    </section>
  );
}
