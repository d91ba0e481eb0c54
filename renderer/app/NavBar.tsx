import type { StateCounts } from '../../core/outbox/types.ts';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { NeedsLookLink } from '../status/NeedsLookLink.tsx';
import { useShortcutsDialog } from './shortcuts.tsx';
import type { Screen } from './routes.ts';

export const SCREEN_TITLES: Record<Screen, MessageId> = {
  queue: 'nav.queue',
  new: 'nav.new',
  conflicts: 'nav.conflicts',
  log: 'nav.log',
  settings: 'nav.settings',
};

const SCREENS: Screen[] = ['queue', 'new', 'conflicts', 'log', 'settings'];

export function NavBar({ current, counts }: { current: Screen; counts: StateCounts | undefined }) {
  const t = useT();
  const fmt = useFormat();
  const shortcuts = useShortcutsDialog();
  const badge = (s: Screen): number => (s === 'conflicts' ? (counts?.conflict ?? 0) : s === 'queue' ? (counts ? counts.pending + counts.sending : 0) : 0);
  return (
    <>
      <nav className="nav" aria-label={t('nav.label')}>
        {SCREENS.map((screen) => {
          const n = badge(screen);
          return (
            <a key={screen} href={`#/${screen}`} className={screen === current ? 'nav-item active' : 'nav-item'} aria-current={screen === current ? 'page' : undefined}>
              {t(SCREEN_TITLES[screen])}
              {n > 0 ? <span className={`nav-badge nav-badge-${screen}`}>{fmt.number(n)}</span> : null}
            </a>
          );
        })}
        <NeedsLookLink className="nav-alert" />
      </nav>
      <button type="button" className="topbar-button" onClick={shortcuts.open} aria-keyshortcuts="?">
        {t('shortcuts.button')}
      </button>
    </>
  );
}
