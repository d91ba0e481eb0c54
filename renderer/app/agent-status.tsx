import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { AgentApi, AgentStatus } from '../../core/api.ts';
import type { StampedEvent } from '../../core/events.ts';
import { needsLook } from '../queue/update-problem.ts';
import { useApi } from './api-context.tsx';
import { useAgentEvents, useRefreshOn } from './use-agent-events.ts';
import { useLoad, type LoadError } from './use-load.ts';

type ProgressEvent = Extract<StampedEvent, { type: 'progress' }>;

/** Failed updates nobody has dealt with yet (a cancelled one has been); `more`: there are at least `n`. */
export interface NeedsLook {
  n: number;
  more: boolean;
}

export interface AgentStatusView {
  status: AgentStatus | undefined;
  error: LoadError | null;
  /** the latest drain progress event, fresher than `status` while draining */
  progress: ProgressEvent | null;
  needsLook: NeedsLook;
  reload(): void;
}

const NONE: NeedsLook = { n: 0, more: false };
const StatusContext = createContext<AgentStatusView>({ status: undefined, error: null, progress: null, needsLook: NONE, reload: () => {} });

const POLL_MS = 5000;
/** Failed updates looked at to count those needing a look; past that the count says "at least". */
const LOOK_LIMIT = 1000;

/**
 * The agent counts cancelled updates among the failed ones (a cancel keeps the row, as failed
 * with CANCELLED); the person must only be told about the others. Counted from the failed list
 * whenever the number of failed updates changes or an update changes hands.
 */
function useNeedsLook(api: AgentApi, failed: number | undefined): NeedsLook {
  const [look, setLook] = useState<NeedsLook>(NONE);
  const [changes, setChanges] = useState(0);
  useAgentEvents(() => setChanges((n) => n + 1), ['changed']);
  useEffect(() => {
    if (!failed) {
      setLook(NONE);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api
        .listUpdates({ state: 'failed', limit: LOOK_LIMIT })
        .then((page) => {
          if (live) setLook({ n: page.items.filter(needsLook).length, more: page.next !== null });
        })
        .catch(() => {
          // The status bar already says when the agent cannot be reached.
        });
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, failed, changes]);
  return look;
}

/** One status for the whole window: counts, connection and drain, kept fresh by events. */
export function AgentStatusProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const loaded = useLoad(() => api.status(), [api]);
  const [progress, setProgress] = useState<ProgressEvent | null>(null);
  const needsLook = useNeedsLook(api, loaded.data?.counts.failed);

  useAgentEvents((e) => {
    if (e.type === 'progress') setProgress(e);
  }, ['progress']);
  useRefreshOn(loaded.reload, ['queued', 'done', 'conflict', 'failed', 'changed', 'paused', 'resumed', 'deferred', 'long-pause'], 300);

  // Events can be missed while the stream reconnects; a slow poll keeps the counts honest.
  useEffect(() => {
    const t = setInterval(loaded.reload, POLL_MS);
    return () => clearInterval(t);
  }, [loaded.reload]);

  return (
    <StatusContext.Provider value={{ status: loaded.data, error: loaded.error, progress, needsLook, reload: loaded.reload }}>{children}</StatusContext.Provider>
  );
}

export function useAgentStatus(): AgentStatusView {
  return useContext(StatusContext);
}
