import { createContext, useContext, type ReactNode } from 'react';
import type { AgentApi } from '../../core/api.ts';

const ApiContext = createContext<AgentApi | null>(null);

export function ApiProvider({ api, children }: { api: AgentApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): AgentApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiProvider>');
  return api;
}
