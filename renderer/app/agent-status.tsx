import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { AgentStatus } from '../../core/api.ts';
import type { StampedEvent } from '../../core/events.ts';
import { useApi } from './api-context.tsx';
import { useAgentEvents, useRefreshOn } from './use-agent-events.ts';
import { useLoad, type LoadError } from './use-load.ts';

type ProgressEvent = Extract<StampedEvent, { type: 'progress' }>;

export interface AgentStatusView {
  status: AgentStatus | undefined;
  error: LoadError | null;
  /** the latest drain progress event, fresher than `status` while draining */
  progress: ProgressEvent | null;
  reload(): void;
}

const StatusContext = createContext<AgentStatusView>({ status: undefined, error: null, progress: null, reload: () => {} });

const POLL_MS = 5000;

/** One status for the whole window: counts, connection and drain, kept fresh by events. */
export function AgentStatusProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const loaded = useLoad(() => api.status(), [api]);
  const [progress, setProgress] = useState<ProgressEvent | null>(null);

  useAgentEvents((e) => {
    if (e.type === 'progress') setProgress(e);
  }, ['progress']);
  useRefreshOn(loaded.reload, ['queued', 'done', 'conflict', 'failed', 'changed', 'paused', 'resumed', 'deferred'], 300);

  // Events can be missed while the stream reconnects; a slow poll keeps the counts honest.
  useEffect(() => {
    const t = setInterval(loaded.reload, POLL_MS);
    return () => clearInterval(t);
  }, [loaded.reload]);

  return (
    <StatusContext.Provider value={{ status: loaded.data, error: loaded.error, progress, reload: loaded.reload }}>{children}</StatusContext.Provider>
  );
}

export function useAgentStatus(): AgentStatusView {
  return useContext(StatusContext);
}
