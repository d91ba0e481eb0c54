import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabItem<K extends string> {
  key: K;
  label: ReactNode;
  className?: string;
}

/**
 * The WAI-ARIA tabs pattern: one Tab stop for the whole list (the selected tab), arrow keys
 * move between tabs and select them, Home and End jump to the first and last. The panel is
 * labelled by the selected tab; render it with `TabPanel` and the same `id`.
 */
export function Tabs<K extends string>({ id, label, items, value, onChange }: { id: string; label: string; items: TabItem<K>[]; value: K; onChange(next: K): void }) {
  const buttons = useRef(new Map<K, HTMLButtonElement>());

  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    const at = items.findIndex((t) => t.key === value);
    const to =
      e.key === 'ArrowRight' || e.key === 'ArrowDown'
        ? (at + 1) % items.length
        : e.key === 'ArrowLeft' || e.key === 'ArrowUp'
          ? (at - 1 + items.length) % items.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? items.length - 1
              : null;
    if (to === null) return;
    e.preventDefault();
    const next = items[to]!.key;
    onChange(next);
    buttons.current.get(next)?.focus();
  };

  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {items.map((t) => (
        <button
          key={t.key}
          ref={(el) => {
            if (el) buttons.current.set(t.key, el);
            else buttons.current.delete(t.key);
          }}
          id={`${id}-tab-${t.key}`}
          type="button"
          role="tab"
          aria-selected={value === t.key}
          aria-controls={`${id}-panel`}
          tabIndex={value === t.key ? 0 : -1}
          className={`tab${t.className ? ` ${t.className}` : ''}${value === t.key ? ' tab-active' : ''}`}
          onClick={() => onChange(t.key)}
          onKeyDown={onKeyDown}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ id, selected, className, children }: { id: string; selected: string; className?: string; children: ReactNode }) {
  return (
    <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${selected}`} className={className}>
      {children}
    </div>
  );
}
