import type { ReactNode } from 'react';

/**
 * Text written by the agent itself (D365's error messages, CSV problems, technical history),
 * which is English whatever the UI's language. Marked lang="en" so a screen reader reads it
 * with an English voice (WCAG 3.1.2), and so the German test can tell it from a UI string
 * that was left untranslated.
 */
export function AgentText({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <span lang="en" className={className}>
      {children}
    </span>
  );
}
