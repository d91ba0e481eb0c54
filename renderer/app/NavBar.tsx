import type { StateCounts } from '../../core/outbox/types.ts';
import type { Screen } from './routes.ts';

const ITEMS: { screen: Screen; label: string }[] = [
  { screen: 'queue', label: 'Queue' },
  { screen: 'new', label: 'New update' },
  { screen: 'conflicts', label: 'Conflicts' },
  { screen: 'log', label: 'Conflict log' },
  { screen: 'settings', label: 'Settings' },
];

export function NavBar({ current, counts }: { current: Screen; counts: StateCounts | undefined }) {
  const badge = (s: Screen): number => (s === 'conflicts' ? (counts?.conflict ?? 0) : s === 'queue' ? (counts ? counts.pending + counts.sending : 0) : 0);
  return (
    <nav className="nav" aria-label="Screens">
      {ITEMS.map((item) => {
        const n = badge(item.screen);
        return (
          <a key={item.screen} href={`#/${item.screen}`} className={item.screen === current ? 'nav-item active' : 'nav-item'} aria-current={item.screen === current ? 'page' : undefined}>
            {item.label}
            {n > 0 ? <span className={`nav-badge nav-badge-${item.screen}`}>{n.toLocaleString()}</span> : null}
          </a>
        );
      })}
    </nav>
  );
}
