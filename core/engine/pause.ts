import type { AgentEvent, PauseReason } from '../events.ts';

export interface Pause {
  reason: PauseReason;
  /** when sending resumes by itself; null = when a person acts */
  until: number | null;
  message: string;
  /** when this episode began (probes of one outage are one episode) */
  since: number;
}

export interface PauseOptions {
  /** first and largest wait between probes of a failing link or store */
  probeMinMs: number;
  probeMaxMs: number;
  /** a pause longer than this raises a 'long-pause' alert saying when it ends */
  longPauseMs: number;
}

/**
 * The drain's circuit breaker. Throttling, outages, storage trouble and missing credentials
 * open it (for the whole drain: D365 limits per user, not per order); outages and storage are
 * probed with capped exponential backoff; one 'paused' event per episode, and one 'long-pause'
 * alert when an episode outlasts `longPauseMs`.
 */
export class PauseControl {
  private paused: Pause | null = null;
  private streak = 0;
  private alerted = false;
  private readonly opts: PauseOptions;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly emit: (e: AgentEvent) => void;

  constructor(opts: PauseOptions, now: () => number, random: () => number, emit: (e: AgentEvent) => void) {
    this.opts = opts;
    this.now = now;
    this.random = random;
    this.emit = emit;
  }

  get current(): Pause | null {
    return this.paused;
  }

  /** Opens the breaker until `until` (null: until a person acts). */
  pause(reason: PauseReason, until: number | null, message: string): void {
    const was = this.paused;
    const sameEpisode = was !== null && was.reason === reason;
    const since = sameEpisode ? was.since : this.now();
    if (!sameEpisode) this.alerted = false;
    this.paused = { reason, until, message, since };
    // Probes during an outage do not repeat the alert; every throttle says how long it asks for.
    if (!sameEpisode || reason === 'throttled') this.emit({ type: 'paused', reason, until, message });
    this.alertIfLong();
  }

  /** Opens the breaker for the next probe of a failing link or store, with jitter. */
  probe(reason: PauseReason, message: string): number {
    const wait = Math.round(this.nextProbeWait() * (0.8 + 0.4 * this.random()));
    this.pause(reason, this.now() + wait, message);
    return wait;
  }

  /** Capped exponential wait: probeMin, ×2 per failed probe, at most probeMax. */
  nextProbeWait(): number {
    return Math.min(this.opts.probeMaxMs, this.opts.probeMinMs * 2 ** this.streak++);
  }

  get probes(): number {
    return this.streak;
  }

  resume(): void {
    this.streak = 0;
    this.alerted = false;
    if (!this.paused) return;
    this.paused = null;
    this.emit({ type: 'resumed' });
  }

  private alertIfLong(): void {
    const p = this.paused;
    if (!p || this.alerted || p.reason === 'user') return;
    const now = this.now();
    const long = now - p.since >= this.opts.longPauseMs || (p.until !== null && p.until - now > this.opts.longPauseMs);
    if (!long) return;
    this.alerted = true;
    this.emit({ type: 'long-pause', reason: p.reason, since: p.since, until: p.until, message: p.message });
  }
}
