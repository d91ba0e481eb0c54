import { useEffect, useRef } from 'react';
import type { AgentEventType, StampedEvent } from '../../core/events.ts';
import { useApi } from './api-context.tsx';

/** Calls `listener` for each agent event of the given types (all when omitted). */
export function useAgentEvents(listener: (e: StampedEvent) => void, types?: readonly AgentEventType[]): void {
  const api = useApi();
  const ref = useRef(listener);
  ref.current = listener;
  const key = types?.join(',') ?? '';
  useEffect(() => {
    const wanted = key ? new Set(key.split(',')) : null;
    return api.subscribe((e) => {
      if (!wanted || wanted.has(e.type)) ref.current(e);
    });
  }, [api, key]);
}

/**
 * Re-runs `refresh` after matching events, at most once per `everyMs`: a drain sends many
 * events a second and the UI must not refetch for each.
 */
export function useRefreshOn(refresh: () => void, types: readonly AgentEventType[], everyMs = 500): void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  useAgentEvents(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      refreshRef.current();
    }, everyMs);
  }, types);
}
