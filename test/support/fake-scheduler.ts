import type { Scheduler } from '../../core/engine/scheduler.ts';

/** A clock the test moves: sleepers wake when `advance` passes their time. */
export class FakeScheduler implements Scheduler {
  private t: number;
  private sleepers: { at: number; resolve: () => void }[] = [];
  /** every wait asked for, in order (a policy's waits are what a test checks) */
  readonly slept: number[] = [];

  constructor(start = Date.UTC(2026, 10, 22, 8, 0, 0)) {
    this.t = start;
  }

  now = (): number => this.t;

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.slept.push(ms);
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = {
        at: this.t + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', sleeper.resolve);
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', sleeper.resolve, { once: true });
    });
  }

  /** Moves the clock, waking every sleeper whose time has come (and letting it run). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      next.resolve();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    this.t = end;
  }

  get waiting(): number {
    return this.sleepers.length;
  }

  /** When the earliest sleeper wakes; null when nobody sleeps. */
  get nextWake(): number | null {
    return this.sleepers.length === 0 ? null : Math.min(...this.sleepers.map((s) => s.at));
  }

  /**
   * Lets real I/O (HTTP to a simulator on 127.0.0.1) run, and whenever the code under test is
   * asleep on this clock, moves the clock to its wake-up, until `work` settles. Returns true
   * when it settled; false when the next wake-up was `stopAtWaitMs` or more away (a long wait
   * the test wants to look at) or the step bound ran out.
   */
  async drive(work: Promise<unknown>, o: { stopAtWaitMs?: number; maxSteps?: number } = {}): Promise<boolean> {
    let settled = false;
    void work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let step = 0; step < (o.maxSteps ?? 20_000); step++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (settled) return true;
      const next = this.nextWake;
      if (next === null) continue;
      if (o.stopAtWaitMs !== undefined && next - this.t >= o.stopAtWaitMs) return false;
      await this.advance(next - this.t);
    }
    return settled;
  }
}
