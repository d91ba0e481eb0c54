import type { ReactNode } from 'react';

/** The one <h1> of a screen; focus lands here when a screen opens by keyboard or script. */
export function ScreenHeading({ id, children }: { id: string; children: ReactNode }) {
  return (
    <h1 id={id} className="screen-title" tabIndex={-1}>
      {children}
    </h1>
  );
}
