import { UPDATE_STATES, type StateCounts, type UpdateState } from '../../core/outbox/types.ts';
import { STATE_LABELS } from '../common/StateBadge.tsx';

export type StateFilter = UpdateState | 'all';

export function StateTabs({ value, counts, onChange }: { value: StateFilter; counts: StateCounts | undefined; onChange(v: StateFilter): void }) {
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : undefined;
  const tabs: { key: StateFilter; label: string; count: number | undefined }[] = [
    { key: 'all', label: 'All', count: total },
    ...UPDATE_STATES.map((s) => ({ key: s, label: STATE_LABELS[s], count: counts?.[s] })),
  ];
  return (
    <div className="tabs" role="tablist" aria-label="Updates by state">
      {tabs.map((t) => (
        <button
          key={t.key}
          type="button"
          role="tab"
          aria-selected={value === t.key}
          className={`tab tab-${t.key}${value === t.key ? ' tab-active' : ''}`}
          onClick={() => onChange(t.key)}
        >
          {t.label}
          <span className={t.count ? 'count count-some' : 'count'}>{t.count === undefined ? '…' : t.count.toLocaleString()}</span>
        </button>
      ))}
    </div>
  );
}
