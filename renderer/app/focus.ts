import { useEffect } from 'react';

/**
 * Where focus goes when what had it disappears. Headings that receive focus carry
 * tabIndex={-1}: reachable from script, not an extra Tab stop.
 */
export function focusScreenHeading(doc: Document = document): void {
  doc.querySelector<HTMLElement>('main h1')?.focus();
}

/**
 * A button that disables itself while it works drops focus to <body>; when that happened,
 * focus goes to `get()` (the result the person is waiting for) on the next frame.
 */
export function focusIfLost(get: () => HTMLElement | null | undefined): void {
  requestAnimationFrame(() => {
    if (document.activeElement === document.body || document.activeElement === null) get()?.focus();
  });
}

/** Focuses `el` on the next frame, after React has put it in the page. */
export function focusSoon(get: () => HTMLElement | null | undefined): void {
  requestAnimationFrame(() => get()?.focus());
}

/**
 * The one rule for the whole window: keyboard focus never falls to <body>. When the focused
 * element is removed (a toast closed, a screen changed, a row re-rendered) focus moves to the
 * screen's heading; when it was disabled while busy, it comes back once it is enabled again.
 * Screens that know a better place (the next conflict, the import result) move it themselves.
 * A pointer press hands the decision to the person: clicking empty space may leave focus on <body>.
 */
export function useFocusKeeper(): void {
  useEffect(() => {
    let last: HTMLElement | null = null;
    const onFocusIn = (e: FocusEvent) => {
      if (e.target instanceof HTMLElement) last = e.target;
    };
    const onPointerDown = () => {
      last = null;
    };
    const lost = () => document.activeElement === document.body || document.activeElement === null;
    const observer = new MutationObserver(() => {
      if (!last || !lost()) return;
      if (!last.isConnected) {
        last = null;
        focusScreenHeading();
      } else if (!(last as HTMLButtonElement).disabled) {
        last.focus();
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled'] });
    document.addEventListener('focusin', onFocusIn);
    document.addEventListener('pointerdown', onPointerDown, true);
    return () => {
      observer.disconnect();
      document.removeEventListener('focusin', onFocusIn);
      document.removeEventListener('pointerdown', onPointerDown, true);
    };
  }, []);
}
