import { useEffect, useState } from 'react';
import type { ApiInput } from '../../core/api.ts';
import { useApi } from '../app/api-context.tsx';
import { useRefreshOn } from '../app/use-agent-events.ts';
import { useLoad } from '../app/use-load.ts';
import { EmptyState } from '../common/EmptyState.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { Loading } from '../common/Loading.tsx';
import { ScreenHeading } from '../common/ScreenHeading.tsx';
import { errorMessage } from '../format.ts';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';
import { ConflictTable } from './ConflictTable.tsx';
import { downloadFile } from './download.ts';
import { MetricsPanel } from './MetricsPanel.tsx';

const SHOWN = 500;

type ExportFormat = ApiInput<'exportConflicts'>['format'];

/** `until` picked as a day means through that day; the agent's `until` is exclusive. */
function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00`);
  d.setDate(d.getDate() + 1);
  return d.toISOString();
}

export function ConflictLogScreen() {
  const api = useApi();
  const t = useT();
  const fmt = useFormat();
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [order, setOrder] = useState('');
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const [exportedNothing, setExportedNothing] = useState(false);

  // Days are the viewer's days: From 1 May is local midnight, To 1 May runs through local 23:59:59.
  const period = {
    ...(since ? { since: new Date(`${since}T00:00:00`).toISOString() } : {}),
    ...(until ? { until: dayAfter(until) } : {}),
  };
  const filter = { ...period, ...(order.trim() ? { search: order.trim() } : {}) };
  const filterKey = JSON.stringify(filter);
  const periodKey = JSON.stringify(period);
  // One more than shown: whether more match than the table holds.
  const log = useLoad(() => api.listConflicts({ ...filter, limit: SHOWN + 1 }), [api, filterKey]);
  const filtered = Boolean(since || until || order.trim());
  // "0 conflicts match" was about the filters of that click.
  useEffect(() => setExportedNothing(false), [filterKey]);
  const metrics = useLoad(() => api.metrics(period), [api, periodKey]);
  const periodText =
    since && until
      ? t('chart.periodBoth', { from: fmt.date(`${since}T00:00:00`), to: fmt.date(`${until}T00:00:00`) })
      : since
        ? t('chart.periodFrom', { from: fmt.date(`${since}T00:00:00`) })
        : until
          ? t('chart.periodTo', { to: fmt.date(`${until}T00:00:00`) })
          : t('chart.periodAll');
  useRefreshOn(log.reload, ['conflict', 'changed'], 1000);
  useRefreshOn(metrics.reload, ['done', 'conflict', 'retrying'], 2000);

  const exportAs = async (format: ExportFormat) => {
    setExporting(format);
    setExportError(null);
    setExportedNothing(false);
    try {
      // XLSX dates are written on this viewer's clock.
      const file = await api.exportConflicts({ format, ...filter, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone });
      if (file.count === 0) setExportedNothing(true);
      else downloadFile(file);
    } catch (e) {
      setExportError(errorMessage(e));
    } finally {
      setExporting(null);
    }
  };

  return (
    <section className="screen screen-log" aria-labelledby="log-title">
      <div className="toolbar">
        <ScreenHeading id="log-title">{t('nav.log')}</ScreenHeading>
      </div>
      <div className="toolbar filters no-print">
        <label>
          {t('log.from')}
          <input type="date" value={since} onChange={(e) => setSince(e.target.value)} />
        </label>
        <label>
          {t('log.to')}
          <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
        </label>
        <label>
          {t('log.order')}
          <input type="search" placeholder="SO-000042" value={order} onChange={(e) => setOrder(e.target.value)} data-shortcut="search" aria-keyshortcuts="/" />
        </label>
        <span className="spacer" />
        <button type="button" className="btn" disabled={exporting !== null} onClick={() => exportAs('csv')}>
          {exporting === 'csv' ? t('log.exporting') : t('log.exportCsv')}
        </button>
        <button type="button" className="btn" disabled={exporting !== null} onClick={() => exportAs('json')}>
          {exporting === 'json' ? t('log.exporting') : t('log.exportJson')}
        </button>
        <button type="button" className="btn" disabled={exporting !== null} onClick={() => exportAs('xlsx')}>
          {exporting === 'xlsx' ? t('log.exporting') : t('log.exportXlsx')}
        </button>
      </div>
      {metrics.data ? (
        <MetricsPanel metrics={metrics.data} period={periodText} />
      ) : metrics.error ? (
        <ErrorNote message={metrics.error.message} onRetry={metrics.reload} />
      ) : null}
      {since || until || order.trim() ? (
        <p className="print-only filters-summary">
          {t('log.printedFilters', { from: since ? fmt.date(`${since}T00:00:00`) : '—', to: until ? fmt.date(`${until}T00:00:00`) : '—', order: order.trim() || '—' })}
        </p>
      ) : null}
      {exportError ? <ErrorNote message={exportError} /> : null}
      <div role="status" className="no-print">
        {exportedNothing ? <p className="note note-info export-none">{t('log.exportNone')}</p> : null}
      </div>
      {log.error ? <ErrorNote message={log.error.message} onRetry={log.reload} /> : null}
      {log.loading && !log.data ? <Loading text={t('log.loading')} /> : null}
      <p role="status" className="muted small match-count">
        {filtered && log.data && log.data.length > 0
          ? log.data.length > SHOWN
            ? t('log.matchesMore', { count: SHOWN })
            : t('log.matches', { count: log.data.length })
          : null}
      </p>
      {log.data && log.data.length === 0 ? <EmptyState title={t('log.none')}>{filtered ? t('log.noneFiltered') : null}</EmptyState> : null}
      {log.data && log.data.length > 0 ? (
        <div className="scroll">
          <ConflictTable records={log.data.slice(0, SHOWN)} />
          {log.data.length > SHOWN ? <p className="muted small more-note">{t('log.showingLatest', { n: SHOWN })}</p> : null}
        </div>
      ) : null}
    </section>
  );
}
