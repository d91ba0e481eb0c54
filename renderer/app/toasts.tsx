import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { AgentText } from '../common/AgentText.tsx';
import { useT } from '../i18n/use-t.ts';

export type Tone = 'info' | 'success' | 'warning' | 'danger';

export interface ToastInput {
  tone: Tone;
  title: string;
  body?: string;
  /** the body is the agent's own text (D365's message), English whatever the UI's language */
  bodyByAgent?: boolean;
  /** a hash link, e.g. '#/conflicts/12' */
  href?: string;
  linkText?: string;
  /** a button beside the link (e.g. "Alert me on the desktop too") */
  action?: { label: string; run(): void };
  /** stays until dismissed (a decision is needed) */
  sticky?: boolean;
  /**
   * Toasts with the same key are one toast: a new one replaces it in place (a running count,
   * "12 new conflicts"), instead of piling up.
   */
  key?: string;
  /** called once when the toast goes (dismissed, timed out, its link followed) */
  onClose?(): void;
}

interface Toast extends ToastInput {
  id: number;
}

const ToastContext = createContext<(t: ToastInput) => void>(() => {});

const AUTO_DISMISS_MS = 6000;
const MAX_TOASTS = 4;

/**
 * In-app alerts. One polite live region for all of them: a screen reader finishes its sentence
 * before it hears an alert, and a burst of events is a few grouped toasts, not a flood.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const t = useT();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());
  // The toasts as of now, ahead of React's render: a burst of events arrives in one tick and
  // each must find the toast the one before it raised (a count of 20, not 20 toasts).
  const live = useRef<Toast[]>([]);
  const commit = (list: Toast[]) => {
    live.current = list;
    setToasts(list);
  };

  const forget = (id: number) => {
    const timer = timers.current.get(id);
    if (timer) clearTimeout(timer);
    timers.current.delete(id);
  };

  const dismiss = useCallback((id: number) => {
    const gone = live.current.find((x) => x.id === id);
    forget(id);
    commit(live.current.filter((x) => x.id !== id));
    gone?.onClose?.();
  }, []);

  const dismissAll = useCallback(() => {
    const gone = live.current;
    for (const x of gone) forget(x.id);
    commit([]);
    for (const x of gone) x.onClose?.();
  }, []);

  const push = useCallback(
    (input: ToastInput) => {
      const same = input.key ? live.current.find((x) => x.key === input.key) : undefined;
      const id = same?.id ?? next.current++;
      forget(id);
      const toast = { ...input, id };
      let all = same ? live.current.map((x) => (x.id === id ? toast : x)) : [...live.current, toast];
      const dropped: Toast[] = [];
      // The oldest go first; a sticky one is kept over a passing one.
      while (all.length > MAX_TOASTS) {
        const i = all.findIndex((x) => !x.sticky);
        const at = i >= 0 ? i : 0;
        dropped.push(all[at]!);
        all = all.filter((_, j) => j !== at);
      }
      commit(all);
      for (const x of dropped) {
        forget(x.id);
        x.onClose?.();
      }
      if (!input.sticky) timers.current.set(id, setTimeout(() => dismiss(id), AUTO_DISMISS_MS));
    },
    [dismiss],
  );

  useEffect(() => {
    const all = timers.current;
    return () => all.forEach((x) => clearTimeout(x));
  }, []);

  const value = useMemo(() => push, [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      {/* A named region (a landmark) only while it holds something; the live region is always there, so a first toast is heard. */}
      <section className="toasts" aria-label={toasts.length > 0 ? t('toast.label') : undefined}>
        {toasts.length > 0 ? (
          <button type="button" className="btn btn-small toasts-dismiss-all" onClick={dismissAll}>
            {t('toast.dismissAll')}
          </button>
        ) : null}
        <div className="toasts-live" aria-live="polite">
          {toasts.map((toast) => (
            <div key={toast.id} className={`toast toast-${toast.tone}`}>
              <div className="toast-text">
                <strong>{toast.title}</strong>
                {toast.body ? toast.bodyByAgent ? <AgentText>{toast.body}</AgentText> : <span>{toast.body}</span> : null}
                {toast.action ? (
                  <button
                    type="button"
                    className="btn btn-small toast-action"
                    onClick={() => {
                      toast.action!.run();
                      commit(live.current.map((x) => (x.id === toast.id ? { ...x, action: undefined } : x)));
                    }}
                  >
                    {toast.action.label}
                  </button>
                ) : null}
              </div>
              {toast.href ? (
                <a className="toast-link" href={toast.href} onClick={() => dismiss(toast.id)}>
                  {toast.linkText ?? t('common.open')}
                </a>
              ) : null}
              <button type="button" className="toast-close" aria-label={t('common.dismiss')} onClick={() => dismiss(toast.id)}>
                ×
              </button>
            </div>
          ))}
        </div>
      </section>
    </ToastContext.Provider>
  );
}

export function useToast(): (t: ToastInput) => void {
  return useContext(ToastContext);
}
