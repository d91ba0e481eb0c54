import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../main/csp.ts';
import { CONTENT_SECURITY_POLICY as SERVER } from '../../main/server/http-guard.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('one Content Security Policy', () => {
  it('is strict in every context: own scripts and styles only, nothing inline, no plugins or frames', () => {
    for (const context of ['desktop', 'server', 'page'] as const) {
      const csp = contentSecurityPolicy(context);
      expect(csp).not.toMatch(/unsafe-(inline|eval)|https?:|\*|blob:/);
      for (const d of ["script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-src 'none'"]) expect(csp, context).toContain(d);
    }
    expect(contentSecurityPolicy('desktop')).toContain("connect-src 'none'");
    expect(contentSecurityPolicy('server')).toContain("connect-src 'self'");
    expect(SERVER).toBe(contentSecurityPolicy('server'));
  });

  it('the page carries no copy of its own: its meta tag is written from main/csp.ts at build', () => {
    const html = fs.readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="%CSP%" \/>/);
    expect(fs.readFileSync(path.join(root, 'vite.config.ts'), 'utf8')).toMatch(/contentSecurityPolicy\('page'\)/);
  });
});
