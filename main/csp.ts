/**
 * The one Content Security Policy of the UI: our own scripts and styles only, nothing inline,
 * no plugins, no frames. The page talks to the agent over IPC on the desktop (no network at
 * all) and to its own origin when the headless server serves it; that is the only difference.
 * vite.config.ts writes the page's meta tag from here, so the three can never disagree.
 */
const COMMON = [
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];

export type CspContext = 'desktop' | 'server' | 'page';

export function contentSecurityPolicy(context: CspContext): string {
  // The page's own tag is read in both places, so it allows what either needs; the header each
  // host sends narrows it (a meta tag cannot carry frame-ancestors: browsers ignore it there).
  const connect = context === 'desktop' ? "'none'" : "'self'";
  const directives = [context === 'desktop' ? "default-src 'none'" : "default-src 'self'", ...COMMON, `connect-src ${connect}`];
  return (context === 'page' ? directives.filter((d) => !d.startsWith('frame-ancestors')) : directives).join('; ');
}
