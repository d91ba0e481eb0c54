import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useT } from '../i18n/use-t.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { focusScreenHeading, focusSoon } from './focus.ts';
import { navigate, routeTo, type Screen } from './routes.ts';

/** Single-key shortcuts can be turned off (WCAG 2.1.4): speech input and some keyboards type them by accident. */
const ENABLED_KEY = 'outbox.singleKeyShortcuts';
const SEQUENCE_MS = 1500;

export const GO_KEYS: Record<string, Screen> = { q: 'queue', n: 'new', c: 'conflicts', l: 'log', s: 'settings' };

/** A key as printed on the keycap, or the catalogue's name for it ("Home" is "Pos1" on German keyboards). */
type Key = '?' | '/' | 'g' | 'q' | 'n' | 'c' | 'l' | 's' | '←' | '→' | Extract<MessageId, `key.${string}`>;

interface Shortcut {
  keys: Key[];
  does: MessageId;
}

export const SHORTCUTS: Shortcut[] = [
  { keys: ['?'], does: 'shortcuts.help' },
  { keys: ['/'], does: 'shortcuts.search' },
  { keys: ['g', 'q'], does: 'shortcuts.goQueue' },
  { keys: ['g', 'n'], does: 'shortcuts.goNew' },
  { keys: ['g', 'c'], does: 'shortcuts.goConflicts' },
  { keys: ['g', 'l'], does: 'shortcuts.goLog' },
  { keys: ['g', 's'], does: 'shortcuts.goSettings' },
  { keys: ['←', '→', 'key.home', 'key.end'], does: 'shortcuts.tabs' },
  { keys: ['key.enter'], does: 'shortcuts.openRow' },
  { keys: ['key.escape'], does: 'shortcuts.close' },
];

function readEnabled(): boolean {
  try {
    return localStorage.getItem(ENABLED_KEY) !== 'off';
  } catch {
    return true;
  }
}

function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file'].includes((target as HTMLInputElement).type);
}

const DialogContext = createContext<{ open(): void }>({ open: () => {} });

export function useShortcutsDialog(): { open(): void } {
  return useContext(DialogContext);
}

/** The keyboard shortcuts of the whole window, and the dialog that lists them. */
export function ShortcutsProvider({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState(false);
  const [enabled, setEnabled] = useState(readEnabled);
  const pendingG = useRef(0);
  const opener = useRef<HTMLElement | null>(null);

  const open = useCallback(() => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setShown(true);
  }, []);

  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typingInto(e.target)) return;
      if (document.querySelector('dialog[open]')) return;
      if (pendingG.current && Date.now() - pendingG.current < SEQUENCE_MS) {
        pendingG.current = 0;
        const screen = GO_KEYS[e.key.toLowerCase()];
        if (screen) {
          e.preventDefault();
          navigate(routeTo(screen));
          // Into the new screen: where it puts focus itself (the order number), else its heading.
          requestAnimationFrame(() => {
            if (!document.querySelector('main')?.contains(document.activeElement)) focusScreenHeading();
          });
          return;
        }
      }
      if (e.key === 'g') {
        pendingG.current = Date.now();
      } else if (e.key === '?') {
        e.preventDefault();
        open();
      } else if (e.key === '/') {
        const search = document.querySelector<HTMLElement>('[data-shortcut="search"]');
        if (search) {
          e.preventDefault();
          search.focus();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled, open]);

  const close = () => {
    setShown(false);
    const back = opener.current;
    focusSoon(() => (back && back.isConnected ? back : (focusScreenHeading(), null)));
  };

  const toggle = (on: boolean) => {
    setEnabled(on);
    try {
      localStorage.setItem(ENABLED_KEY, on ? 'on' : 'off');
    } catch {
      // storage disabled: the choice lasts until the window closes
    }
  };

  return (
    <DialogContext.Provider value={{ open }}>
      {children}
      {shown ? <ShortcutsDialog enabled={enabled} onToggle={toggle} onClose={close} /> : null}
    </DialogContext.Provider>
  );
}

function ShortcutsDialog({ enabled, onToggle, onClose }: { enabled: boolean; onToggle(on: boolean): void; onClose(): void }) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    // showModal keeps Tab inside the dialog and makes the rest of the page inert.
    if (dialog && !dialog.open) dialog.showModal();
    closeButton.current?.focus();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="shortcuts-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <h2 id="shortcuts-title">{t('shortcuts.title')}</h2>
      <table className="table compact shortcuts">
        <thead>
          <tr>
            <th scope="col">{t('shortcuts.keys')}</th>
            <th scope="col">{t('shortcuts.action')}</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.does}>
              <td className="nowrap">
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 ? ' ' : null}
                    <kbd>{k.startsWith('key.') ? t(k as MessageId) : k}</kbd>
                  </span>
                ))}
              </td>
              <td>{t(s.does)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => onToggle(e.target.checked)} />
        {t('shortcuts.singleKey')}
      </label>
      <div className="actions">
        <button ref={closeButton} type="button" className="btn btn-primary" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </dialog>
  );
}
