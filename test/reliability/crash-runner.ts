/**
 * Runs test/reliability/crash-child.ts (a drain of one outbox against a simulator in the parent)
 * and SIGKILLs it at a chosen moment: after a random delay, or right in one phase of sending.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');
export const PHASES = ['GET', 'BETWEEN', 'PATCH', 'COMMIT'] as const;
export type Phase = (typeof PHASES)[number];
export type Mode = Phase | 'random';

export interface Run {
  /** the phase the kill landed in ('startup' before any marker, 'idle' after the drain finished) */
  phase: string;
  killed: boolean;
  idle: boolean;
  stderr: string;
}

/**
 * Runs the child once. `mode` says when to kill it: after a random delay, or right when it
 * reaches a phase (the skip-th occurrence after the first); for BETWEEN and COMMIT the child kills
 * itself right at the marker.
 */
export function runChild(simUrl: string, dataDir: string, mode: Mode | 'never', skip: number, delayMs: number, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const stalled = mode === 'BETWEEN' || mode === 'COMMIT';
  const child = spawn(process.execPath, [CHILD], {
    env: {
      ...process.env,
      TORTURE_SIM_URL: simUrl,
      TORTURE_DATA_DIR: dataDir,
      TORTURE_STALL: stalled ? mode : '',
      TORTURE_SKIP: String(skip),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let last = 'startup';
  let seen = 0;
  let killedIn: string | null = null;
  let idle = false;
  let stderr = '';
  let buffered = '';
  const kill = (phase: string) => {
    if (killedIn !== null || child.exitCode !== null) return;
    killedIn = phase;
    child.kill('SIGKILL');
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (mode === 'random') timer = setTimeout(() => kill(last), delayMs);
  // A hung child fails the run instead of hanging the suite.
  const guard = setTimeout(() => kill('hung'), 30_000);
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  child.stdout.setEncoding('utf8').on('data', (t: string) => {
    buffered += t;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith('@@')) continue;
      const phase = line.slice(2).split(' ')[0]!;
      if (phase === 'IDLE') {
        idle = true;
        last = 'idle';
        continue;
      }
      last = phase;
      if (mode !== phase || seen++ < skip) continue;
      // BETWEEN and COMMIT: the child has killed itself at this marker; the kill is only recorded.
      if (stalled) killedIn ??= phase;
      // GET and PATCH: the request is on the wire (the simulator answers after a few ms).
      else setTimeout(() => kill(phase), delayMs);
    }
  });
  return new Promise((resolve) => {
    // 'close', not 'exit': every marker the child printed has been read by then
    child.on('close', () => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ phase: killedIn ?? last, killed: killedIn !== null, idle, stderr });
    });
  });
}
