/**
 * Time for the drain: the clock and its timers in one injectable place, so every policy can
 * be tested on a fake clock, and no wait — however long D365 asks for — overflows a timer.
 */
export interface Scheduler {
  now(): number;
  /** Resolves after ms, or as soon as the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** setTimeout takes at most 2^31−1 ms (24.8 days); longer waits are slept in pieces. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const end = Date.now() + Math.max(0, ms);
      let timer: ReturnType<typeof setTimeout>;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const arm = () => {
        const left = end - Date.now();
        if (left <= 0) return done();
        timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      signal?.addEventListener('abort', done, { once: true });
      arm();
    });
  },
};
