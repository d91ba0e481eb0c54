import type { ReactNode, Ref } from 'react';

/** Nothing to show, and why; `headingRef` lets a screen put focus here when the last item went away. */
export function EmptyState({ title, children, headingRef }: { title: string; children?: ReactNode; headingRef?: Ref<HTMLElement> }) {
  return (
    <div className="empty">
      <strong ref={headingRef} tabIndex={headingRef ? -1 : undefined}>
        {title}
      </strong>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}
