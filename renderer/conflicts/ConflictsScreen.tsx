import { useApi } from '../app/api-context.tsx';
import { navigate } from '../app/routes.ts';
import { useToast } from '../app/toasts.tsx';
import { useRefreshOn } from '../app/use-agent-events.ts';
import { useLoad } from '../app/use-load.ts';
import { EmptyState } from '../common/EmptyState.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { Loading } from '../common/Loading.tsx';
import { groupConflicts } from './conflict-groups.ts';
import { ConflictList } from './ConflictList.tsx';
import { ConflictView } from './ConflictView.tsx';

export function ConflictsScreen({ updateId }: { updateId: number | null }) {
  const api = useApi();
  const toast = useToast();
  const open = useLoad(async () => groupConflicts(await api.listConflicts({ open: true, limit: 2000 })), [api]);
  useRefreshOn(open.reload, ['conflict', 'changed'], 200);

  const groups = open.data ?? [];
  const selected = groups.find((g) => g.updateId === updateId) ?? groups[0] ?? null;

  return (
    <section className="screen screen-conflicts" aria-label="Conflicts">
      {open.error ? <ErrorNote message={open.error.message} onRetry={open.reload} /> : null}
      {open.loading && !open.data ? <Loading what="conflicts" /> : null}
      {open.data && groups.length === 0 ? (
        <EmptyState title="No conflicts waiting">When someone else changes a field you are changing, it shows up here and you decide.</EmptyState>
      ) : null}
      {selected ? (
        <div className="split split-list">
          <ConflictList groups={groups} selectedId={selected.updateId} />
          <ConflictView
            key={selected.updateId}
            group={selected}
            onResolved={(text) => {
              toast({ tone: 'success', title: 'Conflict resolved', body: text });
              navigate({ screen: 'conflicts', updateId: null });
              open.reload();
            }}
          />
        </div>
      ) : null}
    </section>
  );
}
