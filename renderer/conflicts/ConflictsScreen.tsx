import { useEffect, useRef, useState } from 'react';
import { useApi } from '../app/api-context.tsx';
import { navigate } from '../app/routes.ts';
import { useToast } from '../app/toasts.tsx';
import { useRefreshOn } from '../app/use-agent-events.ts';
import { useLoad } from '../app/use-load.ts';
import { EmptyState } from '../common/EmptyState.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { Loading } from '../common/Loading.tsx';
import { ScreenHeading } from '../common/ScreenHeading.tsx';
import { useT } from '../i18n/use-t.ts';
import { groupConflicts } from './conflict-groups.ts';
import { ConflictList } from './ConflictList.tsx';
import { ConflictView } from './ConflictView.tsx';
import { ResolveMany } from './ResolveMany.tsx';

export function ConflictsScreen({ updateId }: { updateId: number | null }) {
  const api = useApi();
  const t = useT();
  const toast = useToast();
  const open = useLoad(async () => groupConflicts(await api.listConflicts({ open: true, limit: 2000 })), [api]);
  useRefreshOn(open.reload, ['conflict', 'changed'], 200);
  // Resolved here: gone from the list at once, before the agent's answer to the reload arrives.
  const [resolved, setResolved] = useState<ReadonlySet<number>>(new Set());
  const [focusNext, setFocusNext] = useState(false);
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  const emptyHeading = useRef<HTMLElement>(null);

  const groups = (open.data ?? []).filter((g) => !resolved.has(g.updateId));
  const pickedIds = groups.filter((g) => picked.has(g.updateId)).map((g) => g.updateId);
  const selected = groups.find((g) => g.updateId === updateId) ?? groups[0] ?? null;
  const noneLeft = open.data !== undefined && groups.length === 0;

  // The last one resolved: focus goes to the note that says none are left.
  useEffect(() => {
    if (focusNext && noneLeft) emptyHeading.current?.focus();
  }, [focusNext, noneLeft]);

  return (
    <section className="screen screen-conflicts" aria-labelledby="conflicts-title">
      <div className="toolbar">
        <ScreenHeading id="conflicts-title">{t('nav.conflicts')}</ScreenHeading>
      </div>
      {open.error ? <ErrorNote message={open.error.message} onRetry={open.reload} /> : null}
      {open.loading && !open.data ? <Loading text={t('conflicts.loading')} /> : null}
      {noneLeft ? (
        <EmptyState title={t('conflicts.none')} headingRef={emptyHeading}>
          {t('conflicts.noneHint')}
        </EmptyState>
      ) : null}
      {groups.length > 1 ? (
        <ResolveMany
          total={groups.length}
          picked={pickedIds}
          onPickAll={(on) => setPicked(new Set(on ? groups.map((g) => g.updateId) : []))}
          onResolved={(action, ids) => {
            if (ids.length > 0) {
              toast({
                tone: 'success',
                title: t('conflicts.resolvedMany', { n: ids.length }),
                body: t(action === 'keep-mine' ? 'conflicts.resolvedManyMine' : 'conflicts.resolvedManyTheirs'),
              });
            }
            setResolved((s) => new Set([...s, ...ids]));
            setPicked(new Set());
            setFocusNext(true);
            navigate({ screen: 'conflicts', updateId: null });
            open.reload();
          }}
        />
      ) : null}
      {selected ? (
        <div className="split split-list">
          <ConflictList
            groups={groups}
            selectedId={selected.updateId}
            picked={picked}
            onPick={(id, on) =>
              setPicked((s) => {
                const next = new Set(s);
                if (on) next.add(id);
                else next.delete(id);
                return next;
              })
            }
          />
          <ConflictView
            key={selected.updateId}
            group={selected}
            focusOnOpen={focusNext}
            onResolved={(text) => {
              toast({ tone: 'success', title: t('conflicts.resolved'), body: text });
              setResolved((s) => new Set(s).add(selected.updateId));
              // The next conflict's heading takes focus; with none left, the "No conflicts" note.
              setFocusNext(true);
              navigate({ screen: 'conflicts', updateId: null });
              open.reload();
            }}
          />
        </div>
      ) : null}
    </section>
  );
}
