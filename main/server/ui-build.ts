import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: the nearest folder above us with a package.json. */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
}

export function defaultUiDir(): string {
  return path.join(packageRoot(), 'dist', 'renderer');
}

/**
 * Makes sure the built UI exists, building it with Vite when the sources are here (a checkout)
 * and failing with the command to run when they are not.
 */
export async function ensureUiBuilt(uiDir: string, log: (line: string) => void): Promise<void> {
  if (fs.existsSync(path.join(uiDir, 'index.html'))) return;
  const root = packageRoot();
  const config = path.join(root, 'vite.config.ts');
  const advice = `The UI is not built (${path.join(uiDir, 'index.html')} is missing). Run: npm run build:ui`;
  if (!fs.existsSync(config) || path.resolve(uiDir) !== path.join(root, 'dist', 'renderer')) throw new Error(advice);
  log('Building the UI once (vite build)…');
  let build: (typeof import('vite'))['build'];
  try {
    ({ build } = await import('vite'));
  } catch (e) {
    throw new Error(`${advice} (vite is not installed: ${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  try {
    await build({ configFile: config, logLevel: 'warn' });
  } catch (e) {
    throw new Error(`${advice} (the build failed: ${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (!fs.existsSync(path.join(uiDir, 'index.html'))) throw new Error(advice);
}
