import { useEffect, useRef, useState } from 'react';
import { useAgentStatus } from '../app/agent-status.tsx';
import { focusScreenHeading } from '../app/focus.ts';
import { useRefreshOn } from '../app/use-agent-events.ts';
import { EmptyState } from '../common/EmptyState.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { Loading } from '../common/Loading.tsx';
import { ScreenHeading } from '../common/ScreenHeading.tsx';
import { STATE_LABELS } from '../common/StateBadge.tsx';
import { TabPanel } from '../common/Tabs.tsx';
import { useT } from '../i18n/use-t.ts';
import { STATE_TABS_ID, StateTabs, type StateFilter } from './StateTabs.tsx';
import { UpdateDetail } from './UpdateDetail.tsx';
import { UpdateTable } from './UpdateTable.tsx';
import { useUpdatePages } from './use-update-pages.ts';

const SEARCH_DELAY_MS = 250;

export function QueueScreen({ openOn }: { openOn?: StateFilter }) {
  const t = useT();
  const { status } = useAgentStatus();
  const [state, setState] = useState<StateFilter>(openOn ?? 'all');
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<number | null>(null);
  const [stale, setStale] = useState(false);
  const listRef = useRef<HTMLDivElement>(null);
  const pages = useUpdatePages(state, search);

  useEffect(() => {
    const timer = setTimeout(() => setSearch(searchText), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
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

  /** Back to the row the detail was opened from, or to the heading when that row is gone. */
  const closeDetail = () => {
    const id = selected;
    setSelected(null);
    requestAnimationFrame(() => {
      const row = listRef.current?.querySelector<HTMLElement>(`tr[data-update-id="${id}"]`);
      if (row) row.focus();
      else focusScreenHeading();
    });
  };

  const emptyTitle = search ? t('queue.emptySearch', { search }) : state === 'all' ? t('queue.empty') : t('queue.emptyState', { state: t(STATE_LABELS[state]) });

  return (
    <section
      className="screen screen-queue"
      aria-labelledby="queue-title"
      onKeyDown={(e) => {
        // Escape closes the detail from anywhere on the screen, but first clears a typed search.
        const clearing = e.target instanceof HTMLInputElement && e.target.type === 'search' && e.target.value !== '';
        if (e.key === 'Escape' && selected !== null && !clearing) {
          e.preventDefault();
          closeDetail();
        }
      }}
    >
      <div className="toolbar">
        <ScreenHeading id="queue-title">{t('nav.queue')}</ScreenHeading>
        <StateTabs value={state} counts={status?.counts} onChange={setState} />
        <input
          type="search"
          className="search"
          placeholder={t('queue.searchPlaceholder')}
          aria-label={t('queue.search')}
          aria-keyshortcuts="/"
          data-shortcut="search"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
        />
      </div>
      <p role="status" className="muted small match-count">
        {search.trim() && pages.matches
          ? pages.matches.more
            ? t('queue.matchesMore', { count: pages.matches.count })
            : t('queue.matches', { count: pages.matches.count })
          : null}
      </p>
      {stale ? (
        <div className="note note-info">
          {t('queue.stale')}{' '}
          <button type="button" className="btn btn-small" onClick={refresh}>
            {t('common.refresh')}
          </button>
        </div>
      ) : null}
      <TabPanel id={STATE_TABS_ID} selected={state} className={selected !== null ? 'split' : undefined}>
        <div className="scroll" ref={listRef}>
          {pages.error ? <ErrorNote message={pages.error.message} onRetry={refresh} /> : null}
          {pages.loading && pages.items.length === 0 ? <Loading text={t('queue.loading')} /> : null}
          {!pages.loading && !pages.error && pages.items.length === 0 ? (
            <EmptyState title={emptyTitle}>{state === 'all' && !search ? t.rich('queue.emptyHint', { link: (chunks) => <a href="#/new">{chunks}</a> }) : null}</EmptyState>
          ) : null}
          {pages.items.length > 0 ? <UpdateTable items={pages.items} selectedId={selected} onSelect={setSelected} /> : null}
          {pages.hasMore ? (
            <div className="more">
              <button type="button" className="btn" onClick={pages.loadMore} disabled={pages.loadingMore}>
                {pages.loadingMore ? t('common.loading') : t('queue.loadMore')}
              </button>
            </div>
          ) : null}
        </div>
        {selected !== null ? <UpdateDetail id={selected} onClose={closeDetail} onChanged={refresh} /> : null}
      </TabPanel>
    </section>
  );
}
