/**
 * Issue 15 §5: every host keeps V8's young generation from growing. Measured in a child process
 * of its own (a flag once set stays for the process): without the call, the same churn grows the
 * young generation to 64 MB or more on this machine; with it, it stays at 16 MB or less.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MEMORY = fileURLToPath(new URL('../../main/memory.ts', import.meta.url));

/** new_space before and after a churn that keeps 200,000 objects alive at a time. */
function youngGeneration(small: boolean): { before: number; after: number } {
  const script = `
    import v8 from 'node:v8';
    const size = () => v8.getHeapSpaceStatistics().find((h) => h.space_name === 'new_space').space_size;
    const { keepYoungGenerationSmall } = await import(${JSON.stringify(MEMORY)});
    if (${small}) keepYoungGenerationSmall();
    const before = size();
    let keep = [];
    for (let i = 0; i < 3_000_000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 200_000) keep = []; }
    console.log(JSON.stringify({ before, after: size() }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { before: number; after: number };
}

describe("the agent's memory", () => {
  it('keeps the young generation small under a churn that grows it otherwise', () => {
    const grown = youngGeneration(false);
    const kept = youngGeneration(true);
    const mb = 1024 * 1024;
    // V8 may still grow it a little on its own (8 MB seen on a loaded machine), never as far
    expect(kept.after).toBeLessThanOrEqual(16 * mb);
    expect(grown.after).toBeGreaterThanOrEqual(4 * Math.max(kept.after, 16 * mb));
  });
});
