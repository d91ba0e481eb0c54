import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { AgentStatus } from '../../core/api.ts';
import type { StampedEvent } from '../../core/events.ts';
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
/** One status for the whole window: counts, connection and drain, kept fresh by events. */
export function AgentStatusProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const loaded = useLoad(() => api.status(), [api]);
  const [progress, setProgress] = useState<ProgressEvent | null>(null);
  // The agent counts them: cancelled updates are failed too, but dealt with.
  const needsLook: NeedsLook = loaded.data ? { n: loaded.data.failedNeedingLook, more: false } : NONE;

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
