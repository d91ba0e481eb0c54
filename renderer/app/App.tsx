import { useEffect } from 'react';
import type { AgentApi } from '../../core/api.ts';
import { ConflictAlerts } from '../conflicts/ConflictAlerts.tsx';
import { ConflictsScreen } from '../conflicts/ConflictsScreen.tsx';
import { ConflictLogScreen } from '../conflict-log/ConflictLogScreen.tsx';
import { NewUpdateScreen } from '../new-update/NewUpdateScreen.tsx';
import { QueueScreen } from '../queue/QueueScreen.tsx';
import { SettingsScreen } from '../settings/SettingsScreen.tsx';
import { StatusBar } from '../status/StatusBar.tsx';
import { AgentStatusProvider, useAgentStatus } from './agent-status.tsx';
import { ApiProvider } from './api-context.tsx';
import { NavBar } from './NavBar.tsx';
import { NeedsToken } from './NeedsToken.tsx';
import { useRoute, type Route } from './routes.ts';
import { ToastProvider } from './toasts.tsx';

export interface AppProps {
  api: AgentApi;
  /** Electron's tray asks for a screen (e.g. a conflict notification was clicked) */
  onNavigate?: (cb: (hash: string) => void) => () => void;
}

export function App({ api, onNavigate }: AppProps) {
  useEffect(() => onNavigate?.((hash) => (window.location.hash = hash)), [onNavigate]);
  return (
    <ApiProvider api={api}>
      <ToastProvider>
        <AgentStatusProvider>
          <Shell />
        </AgentStatusProvider>
      </ToastProvider>
    </ApiProvider>
  );
}

function ScreenFor({ route }: { route: Route }) {
  switch (route.screen) {
    case 'queue':
      return <QueueScreen />;
    case 'new':
      return <NewUpdateScreen />;
    case 'conflicts':
      return <ConflictsScreen updateId={route.updateId} />;
    case 'log':
      return <ConflictLogScreen />;
    case 'settings':
      return <SettingsScreen />;
  }
}

function Shell() {
  const route = useRoute();
  const { status, error } = useAgentStatus();
  if (error?.code === 'UNAUTHORIZED') return <NeedsToken message={error.message} />;
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Outbox Agent
        </span>
        <NavBar current={route.screen} counts={status?.counts} />
      </header>
      <main className="main">
        <ScreenFor route={route} />
      </main>
      <StatusBar />
      <ConflictAlerts />
    </div>
  );
}
