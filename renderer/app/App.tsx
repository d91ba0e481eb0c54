import { useEffect } from 'react';
import { useFormat } from '../i18n/use-format.ts';
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
import { Banners } from './Banners.tsx';
import { focusScreenHeading, useFocusKeeper } from './focus.ts';
import { ModeBoundary } from './mode.tsx';
import { NavBar } from './NavBar.tsx';
import { NeedsToken } from './NeedsToken.tsx';
import { useRoute, type Route } from './routes.ts';
import { ShortcutsProvider } from './shortcuts.tsx';
import { ToastProvider } from './toasts.tsx';

export interface AppProps {
  api: AgentApi;
  /** Electron's tray asks for a screen (e.g. a conflict notification was clicked) */
  onNavigate?: (cb: (hash: string) => void) => () => void;
  /** the browser's notifications stand in for the desktop app's native ones (headless UI) */
  desktopAlerts?: boolean;
}

export function App({ api, onNavigate, desktopAlerts = false }: AppProps) {
  useEffect(() => onNavigate?.((hash) => (window.location.hash = hash)), [onNavigate]);
  return (
    <ApiProvider api={api}>
      <ModeBoundary>
        <LanguageFromSettings>
          <ToastProvider>
            <AgentStatusProvider>
              <Shell desktopAlerts={desktopAlerts} />
            </AgentStatusProvider>
          </ToastProvider>
        </LanguageFromSettings>
      </ModeBoundary>
    </ApiProvider>
  );
}

/** "(3) Outbox Agent": the tab says how many conflicts wait for a person, seen from any other tab. */
function useTitleCount(n: number): void {
  const t = useT();
  const fmt = useFormat();
  const name = t('app.name');
  useEffect(() => {
    document.title = n > 0 ? `(${fmt.number(n)}) ${name}` : name;
  }, [n, name, fmt]);
}

function ScreenFor({ route }: { route: Route }) {
  switch (route.screen) {
    case 'queue':
      // A link to one state's tab ("1 failed — needs a look") opens the queue afresh on it.
      return <QueueScreen key={route.state ?? 'all'} openOn={route.state} />;
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

function Shell({ desktopAlerts }: { desktopAlerts: boolean }) {
  const t = useT();
  const route = useRoute();
  const { status, error } = useAgentStatus();

  useFocusKeeper();
  useTitleCount(status?.counts.conflict ?? 0);

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
          <Banners />
          <ScreenFor route={route} />
        </main>
        <StatusBar />
        <ConflictAlerts desktop={desktopAlerts} />
      </div>
    </ShortcutsProvider>
  );
}
