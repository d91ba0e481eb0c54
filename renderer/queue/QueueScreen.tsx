import { useEffect, useState } from 'react';
import { useAgentStatus } from '../app/agent-status.tsx';
import { useRefreshOn } from '../app/use-agent-events.ts';
import { EmptyState } from '../common/EmptyState.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { Loading } from '../common/Loading.tsx';
import { StateTabs, type StateFilter } from './StateTabs.tsx';
import { UpdateDetail } from './UpdateDetail.tsx';
import { UpdateTable } from './UpdateTable.tsx';
import { useUpdatePages } from './use-update-pages.ts';

const SEARCH_DELAY_MS = 250;

export function QueueScreen() {
  const { status } = useAgentStatus();
  const [state, setState] = useState<StateFilter>('all');
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<number | null>(null);
  const [stale, setStale] = useState(false);
  const pages = useUpdatePages(state, search);

  useEffect(() => {
    const t = setTimeout(() => setSearch(searchText), SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [searchText]);

  // Refreshing page 1 under someone reading page 40 would throw them back to the top.
  useRefreshOn(
    () => {
      if (pages.pagesLoaded <= 1) pages.refresh();
      else setStale(true);
    },
    ['queued', 'sending', 'done', 'conflict', 'failed', 'changed', 'deferred'],
    700,
  );

  const refresh = () => {
    setStale(false);
    pages.refresh();
  };

  return (
    <section className="screen screen-queue" aria-label="Queue">
      <div className="toolbar">
        <StateTabs value={state} counts={status?.counts} onChange={setState} />
        <input
          type="search"
          className="search"
          placeholder="Order number…"
          aria-label="Search by order number"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
        />
      </div>
      {stale ? (
        <div className="note note-info">
          New activity since you paged down.{' '}
          <button type="button" className="btn btn-small" onClick={refresh}>
            Refresh
          </button>
        </div>
      ) : null}
      <div className={selected !== null ? 'split' : undefined}>
        <div className="scroll">
          {pages.error ? <ErrorNote message={pages.error.message} onRetry={refresh} /> : null}
          {pages.loading && pages.items.length === 0 ? <Loading what="updates" /> : null}
          {!pages.loading && !pages.error && pages.items.length === 0 ? (
            <EmptyState title={search ? `No order number starts with “${search}”` : state === 'all' ? 'The outbox is empty' : `No ${state} updates`}>
              {state === 'all' && !search ? (
                <>
                  Queue one from <a href="#/new">New update</a> or import a CSV.
                </>
              ) : null}
            </EmptyState>
          ) : null}
          {pages.items.length > 0 ? <UpdateTable items={pages.items} selectedId={selected} onSelect={setSelected} /> : null}
          {pages.hasMore ? (
            <div className="more">
              <button type="button" className="btn" onClick={pages.loadMore} disabled={pages.loadingMore}>
                {pages.loadingMore ? 'Loading…' : 'Load more'}
              </button>
            </div>
          ) : null}
        </div>
        {selected !== null ? <UpdateDetail id={selected} onClose={() => setSelected(null)} onChanged={refresh} /> : null}
      </div>
    </section>
  );
}
