import { useState } from 'react';
import { useApi } from '../app/api-context.tsx';
import { useRefreshOn } from '../app/use-agent-events.ts';
import { useLoad } from '../app/use-load.ts';
import { EmptyState } from '../common/EmptyState.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { Loading } from '../common/Loading.tsx';
import { errorMessage } from '../format.ts';
import { ConflictTable } from './ConflictTable.tsx';
import { downloadFile } from './download.ts';
import { MetricsPanel } from './MetricsPanel.tsx';

const SHOWN = 500;

/** `until` picked as a day means through that day; the agent's `until` is exclusive. */
function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00`);
  d.setDate(d.getDate() + 1);
  return d.toISOString();
}

export function ConflictLogScreen() {
  const api = useApi();
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [order, setOrder] = useState('');
  const [exporting, setExporting] = useState<'csv' | 'json' | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);

  const filter = {
    ...(since ? { since: new Date(`${since}T00:00:00`).toISOString() } : {}),
    ...(until ? { until: dayAfter(until) } : {}),
    ...(order.trim() ? { orderNumber: order.trim() } : {}),
  };
  const filterKey = JSON.stringify(filter);
  const log = useLoad(() => api.listConflicts({ ...filter, limit: SHOWN }), [api, filterKey]);
  const metrics = useLoad(() => api.metrics({}), [api]);
  useRefreshOn(log.reload, ['conflict', 'changed'], 1000);
  useRefreshOn(metrics.reload, ['done', 'conflict', 'retrying'], 2000);

  const exportAs = async (format: 'csv' | 'json') => {
    setExporting(format);
    setExportError(null);
    try {
      downloadFile(await api.exportConflicts({ format, ...filter }));
    } catch (e) {
      setExportError(errorMessage(e));
    } finally {
      setExporting(null);
    }
  };

  return (
    <section className="screen screen-log" aria-label="Conflict log">
      {metrics.data ? <MetricsPanel metrics={metrics.data} /> : metrics.error ? <ErrorNote message={metrics.error.message} onRetry={metrics.reload} /> : null}
      <div className="toolbar filters">
        <label>
          From
          <input type="date" value={since} onChange={(e) => setSince(e.target.value)} />
        </label>
        <label>
          To
          <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
        </label>
        <label>
          Order
          <input type="search" placeholder="SO-000042" value={order} onChange={(e) => setOrder(e.target.value)} />
        </label>
        <span className="spacer" />
        <button type="button" className="btn" disabled={exporting !== null} onClick={() => exportAs('csv')}>
          {exporting === 'csv' ? 'Exporting…' : 'Export CSV'}
        </button>
        <button type="button" className="btn" disabled={exporting !== null} onClick={() => exportAs('json')}>
          {exporting === 'json' ? 'Exporting…' : 'Export JSON'}
        </button>
      </div>
      {exportError ? <ErrorNote message={exportError} /> : null}
      {log.error ? <ErrorNote message={log.error.message} onRetry={log.reload} /> : null}
      {log.loading && !log.data ? <Loading what="the conflict log" /> : null}
      {log.data && log.data.length === 0 ? <EmptyState title="No conflicts recorded">{order || since || until ? 'Nothing matches these filters.' : null}</EmptyState> : null}
      {log.data && log.data.length > 0 ? (
        <div className="scroll">
          <ConflictTable records={log.data} />
          {log.data.length >= SHOWN ? <p className="muted small">Showing the latest {SHOWN}; export for all of them.</p> : null}
        </div>
      ) : null}
    </section>
  );
}
