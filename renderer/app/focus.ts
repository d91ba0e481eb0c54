/**
 * Where focus goes when what had it disappears. Headings that receive focus carry
 * tabIndex={-1}: reachable from script, not an extra Tab stop.
 */
export function focusScreenHeading(doc: Document = document): void {
  doc.querySelector<HTMLElement>('main h1')?.focus();
}

/** Focuses `el` on the next frame, after React has put it in the page. */
export function focusSoon(get: () => HTMLElement | null | undefined): void {
  requestAnimationFrame(() => get()?.focus());
}
