import { useEffect } from 'react';
import type { AgentApi } from '../../core/api.ts';
import { ConflictAlerts } from '../conflicts/ConflictAlerts.tsx';
import { ConflictsScreen } from '../conflicts/ConflictsScreen.tsx';
import { ConflictLogScreen } from '../conflict-log/ConflictLogScreen.tsx';
import { LanguageFromSettings } from '../i18n/I18nProvider.tsx';
import { useT } from '../i18n/use-t.ts';
import { NewUpdateScreen } from '../new-update/NewUpdateScreen.tsx';
import { QueueScreen } from '../queue/QueueScreen.tsx';
import { SettingsScreen } from '../settings/SettingsScreen.tsx';
import { StatusBar } from '../status/StatusBar.tsx';
import { AgentStatusProvider, useAgentStatus } from './agent-status.tsx';
import { ApiProvider } from './api-context.tsx';
import { focusScreenHeading, useFocusKeeper } from './focus.ts';
import { NavBar } from './NavBar.tsx';
import { NeedsToken } from './NeedsToken.tsx';
import { useRoute, type Route } from './routes.ts';
import { ShortcutsProvider } from './shortcuts.tsx';
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
      <LanguageFromSettings>
        <ToastProvider>
          <AgentStatusProvider>
            <Shell />
          </AgentStatusProvider>
        </ToastProvider>
      </LanguageFromSettings>
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
  const t = useT();
  const route = useRoute();
  const { status, error } = useAgentStatus();

  useFocusKeeper();

  if (error?.code === 'UNAUTHORIZED') return <NeedsToken />;
  return (
    <ShortcutsProvider>
      <div className="app">
        <a className="skip-link" href="#main" onClick={(e) => {
          e.preventDefault();
          focusScreenHeading();
        }}>
          {t('app.skipToContent')}
        </a>
        <header className="topbar">
          <span className="brand">
            <span className="brand-mark" aria-hidden="true" />
            {t('app.name')}
          </span>
          <NavBar current={route.screen} counts={status?.counts} />
        </header>
        <main className="main" id="main">
          <ScreenFor route={route} />
        </main>
        <StatusBar />
        <ConflictAlerts />
      </div>
    </ShortcutsProvider>
  );
}
