/**
 * The browser's own notifications, for the headless UI (the desktop app's main process shows
 * native ones itself). Permission is asked for once, in context — on the first alert, by a
 * button the person presses — and used only when they granted it and the page is not in view.
 */
const OFFERED_KEY = 'outbox.notificationsOffered';
/** a burst of alerts becomes one notification, the latest word on it */
const SETTLE_MS = 800;

interface Env {
  Notification?: typeof Notification;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** the page is where the person is looking: a toast is enough */
  inView(): boolean;
  onClick(hash: string): void;
}

function browserEnv(): Env {
  let storage: Env['storage'] = null;
  try {
    storage = window.localStorage;
  } catch {
    storage = null;
  }
  return {
    Notification: typeof Notification === 'undefined' ? undefined : Notification,
    storage,
    inView: () => document.visibilityState === 'visible' && document.hasFocus(),
    onClick: (hash) => {
      window.focus();
      window.location.hash = hash;
    },
  };
}

export class DesktopAlerts {
  private readonly env: Env;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(env: Env = browserEnv()) {
    this.env = env;
  }

  /** Whether to offer "Alert me on the desktop too" now; true only the first time (it is asked once). */
  takeOffer(): boolean {
    const N = this.env.Notification;
    if (!N || N.permission !== 'default') return false;
    try {
      if (this.env.storage?.getItem(OFFERED_KEY)) return false;
      this.env.storage?.setItem(OFFERED_KEY, '1');
    } catch {
      // storage disabled: offered again after a reload, which is harmless
    }
    return true;
  }

  /** The person pressed the button: the browser asks them. */
  ask(): void {
    void this.env.Notification?.requestPermission().catch(() => 'denied');
  }

  /** Shows (or replaces, by tag) a notification once the burst has settled, if allowed and needed. */
  show(tag: string, title: string, body: string, hash: string): void {
    const N = this.env.Notification;
    if (!N || N.permission !== 'granted') return;
    const pending = this.timers.get(tag);
    if (pending) clearTimeout(pending);
    this.timers.set(
      tag,
      setTimeout(() => {
        this.timers.delete(tag);
        if (this.env.inView()) return;
        try {
          const n = new N(title, { body, tag });
          n.onclick = () => {
            this.env.onClick(hash);
            n.close();
          };
        } catch {
          // Some browsers only allow notifications from a service worker; the toast still says it.
        }
      }, SETTLE_MS),
    );
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
