import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A small seeded generator: the same seed kills at the same moments. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where the suites leave their figures for test/reliability/README-table.md (outside the repo). */
export const FIGURES_DIR = path.join(os.tmpdir(), 'outbox-reliability-figures');

export function writeFigures(name: string, figures: unknown): void {
  fs.mkdirSync(FIGURES_DIR, { recursive: true });
  fs.writeFileSync(path.join(FIGURES_DIR, `${name}.json`), JSON.stringify(figures, null, 2) + '\n');
}
