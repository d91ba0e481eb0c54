import { UPDATE_STATES, type StateCounts, type UpdateState } from '../../core/outbox/types.ts';
import { STATE_LABELS } from '../common/StateBadge.tsx';
import { Tabs } from '../common/Tabs.tsx';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';

export type StateFilter = UpdateState | 'all';

export const STATE_TABS_ID = 'state';

export function StateTabs({ value, counts, onChange }: { value: StateFilter; counts: StateCounts | undefined; onChange(v: StateFilter): void }) {
  const t = useT();
  const fmt = useFormat();
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : undefined;
  const tabs: { key: StateFilter; label: string; count: number | undefined }[] = [
    { key: 'all', label: t('state.all'), count: total },
    ...UPDATE_STATES.map((s) => ({ key: s, label: t(STATE_LABELS[s]), count: counts?.[s] })),
  ];
  return (
    <Tabs
      id={STATE_TABS_ID}
      label={t('queue.tabsLabel')}
      value={value}
      onChange={onChange}
      items={tabs.map((tab) => ({
        key: tab.key,
        className: `tab-${tab.key}`,
        label: (
          <>
            {tab.label}
            <span className={tab.count ? 'count count-some' : 'count'}>{tab.count === undefined ? '…' : fmt.number(tab.count)}</span>
          </>
        ),
      }))}
    />
  );
}
