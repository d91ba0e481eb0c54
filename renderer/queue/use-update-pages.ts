import { useCallback, useEffect, useRef, useState } from 'react';
import type { MatchCount, PageCursor } from '../../core/outbox/outbox.ts';
import type { Update } from '../../core/outbox/types.ts';
import { useApi } from '../app/api-context.tsx';
import type { LoadError } from '../app/use-load.ts';
import { errorCode, errorMessage } from '../format.ts';
import type { StateFilter } from './StateTabs.tsx';

const PAGE_SIZE = 50;

export interface UpdatePages {
  items: Update[];
  hasMore: boolean;
  loading: boolean;
  loadingMore: boolean;
  error: LoadError | null;
  pagesLoaded: number;
  /** with a search: how many updates match (the agent counts up to a cap) */
  matches: MatchCount | null;
  loadMore(): void;
  refresh(): void;
}

/**
 * Keyset paging (`after` = the last row's cursor), so page 2,000 of a 100k outbox costs the
 * same as page 1 and rows moving between states never shift an offset under the reader.
 */
export function useUpdatePages(state: StateFilter, search: string): UpdatePages {
  const api = useApi();
  const [items, setItems] = useState<Update[]>([]);
  const [next, setNext] = useState<PageCursor | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<LoadError | null>(null);
  const [pagesLoaded, setPagesLoaded] = useState(0);
  const [matches, setMatches] = useState<MatchCount | null>(null);
  const ticket = useRef(0);

  const query = useCallback(
    (after: PageCursor | null) =>
      api.listUpdates({
        limit: PAGE_SIZE,
        ...(state === 'all' ? {} : { state }),
        ...(search.trim() ? { search: search.trim() } : {}),
        ...(after ? { after } : {}),
      }),
    [api, state, search],
  );

  const refresh = useCallback(() => {
    const t = ++ticket.current;
    query(null)
      .then((page) => {
        if (t !== ticket.current) return;
        setItems(page.items);
        setNext(page.next);
        setMatches(page.matches ?? null);
        setPagesLoaded(1);
        setError(null);
      })
      .catch((e: unknown) => {
        if (t === ticket.current) setError({ code: errorCode(e), message: errorMessage(e) });
      })
      .finally(() => {
        if (t === ticket.current) setLoading(false);
      });
  }, [query]);

  useEffect(() => {
    setLoading(true);
    setItems([]);
    setNext(null);
    setMatches(null);
    refresh();
  }, [refresh]);

  const loadMore = useCallback(() => {
    if (!next || loadingMore) return;
    const t = ticket.current;
    setLoadingMore(true);
    query(next)
      .then((page) => {
        if (t !== ticket.current) return;
        setItems((old) => {
          // A row that changed state meanwhile may come round again: keep each id once.
          const seen = new Set(old.map((u) => u.id));
          return [...old, ...page.items.filter((u) => !seen.has(u.id))];
        });
        setNext(page.next);
        setPagesLoaded((n) => n + 1);
      })
      .catch((e: unknown) => {
        if (t === ticket.current) setError({ code: errorCode(e), message: errorMessage(e) });
      })
      .finally(() => setLoadingMore(false));
  }, [next, loadingMore, query]);

  return { items, hasMore: next !== null, loading, loadingMore, error, pagesLoaded, matches, loadMore, refresh };
}
