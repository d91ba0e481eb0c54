import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useT } from '../i18n/use-t.ts';

export type Tone = 'info' | 'success' | 'warning' | 'danger';

export interface ToastInput {
  tone: Tone;
  title: string;
  body?: string;
  /** a hash link, e.g. '#/conflicts/12' */
  href?: string;
  linkText?: string;
  /** stays until dismissed (a decision is needed) */
  sticky?: boolean;
}

interface Toast extends ToastInput {
  id: number;
}

const ToastContext = createContext<(t: ToastInput) => void>(() => {});

const AUTO_DISMISS_MS = 6000;
const MAX_TOASTS = 4;

export function ToastProvider({ children }: { children: ReactNode }) {
  const t = useT();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    setToasts((ts) => ts.filter((t) => t.id !== id));
    const timer = timers.current.get(id);
    if (timer) clearTimeout(timer);
    timers.current.delete(id);
  }, []);

  const push = useCallback(
    (input: ToastInput) => {
      const id = next.current++;
      setToasts((ts) => [...ts, { ...input, id }].slice(-MAX_TOASTS));
      if (!input.sticky) timers.current.set(id, setTimeout(() => dismiss(id), AUTO_DISMISS_MS));
    },
    [dismiss],
  );

  useEffect(() => {
    const all = timers.current;
    return () => all.forEach((t) => clearTimeout(t));
  }, []);

  const value = useMemo(() => push, [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" aria-live="assertive">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.tone}`} role={toast.tone === 'danger' || toast.tone === 'warning' ? 'alert' : 'status'}>
            <div className="toast-text">
              <strong>{toast.title}</strong>
              {toast.body ? <span>{toast.body}</span> : null}
            </div>
            {toast.href ? (
              <a className="toast-link" href={toast.href} onClick={() => dismiss(toast.id)}>
                {toast.linkText ?? t('common.open')}
              </a>
            ) : null}
            <button
              type="button"
              className="toast-close"
              aria-label={t('common.dismiss')}
              onClick={() => dismiss(toast.id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): (t: ToastInput) => void {
  return useContext(ToastContext);
}
