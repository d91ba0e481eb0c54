import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { contentSecurityPolicy } from './main/csp.ts';

/** The page's CSP meta tag, written from the one policy in main/csp.ts. */
const csp: Plugin = {
  name: 'outbox-csp',
  transformIndexHtml: (html) => html.replace('%CSP%', contentSecurityPolicy('page')),
};

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  // Electron loads the build from file://, so asset URLs must be relative.
  base: './',
  plugins: [react(), csp],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // The CSP forbids inline scripts; keep Vite from inlining anything as a data: script.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
