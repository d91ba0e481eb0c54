import type { FieldConflict } from './outbox/outbox.ts';
import type { LastError, StateCounts } from './outbox/types.ts';

/**
 * Why sending is paused. storage: the outbox database itself failed (disk full, locked), probed
 * like an outage; not-connected: no usable D365 connection is configured; error: something
 * unexpected went wrong in the drain (it waits for Resume instead of dying).
 */
export const PAUSE_REASONS = ['user', 'throttled', 'offline', 'server', 'credentials', 'storage', 'not-connected', 'error'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

/** Reasons only a person can clear (Resume, or fixing the connection); the others end by themselves. */
export function needsPerson(reason: PauseReason): boolean {
  return reason === 'user' || reason === 'credentials' || reason === 'not-connected' || reason === 'error';
}

/** What a person did to an update (hold, cancel and its undo, a retry, a requeue, a resolution). */
export type ChangeAction = 'held' | 'released' | 'cancelled' | 'resolved' | 'requeued' | 'restored';

/** Everything the UI, the tray and notifications hear about, on one typed stream. */
export type AgentEvent =
  | { type: 'queued'; id: number; company: string; orderNumber: string; coalesced: boolean }
  | { type: 'sending'; id: number; company: string; orderNumber: string }
  | { type: 'retrying'; id: number; attempt: number; delayMs: number; reason: string }
  | { type: 'done'; id: number; company: string; orderNumber: string; alreadyApplied: boolean }
  | { type: 'conflict'; id: number; company: string; orderNumber: string; fields: FieldConflict[] }
  | { type: 'failed'; id: number; company: string; orderNumber: string; error: LastError }
  | { type: 'deferred'; id: number; until: number; error: LastError | null }
  | { type: 'changed'; id: number; action: ChangeAction }
  | { type: 'paused'; reason: PauseReason; until: number | null; message: string }
  /** a pause has lasted (or will last) longer than a person would expect; says when it ends */
  | { type: 'long-pause'; reason: PauseReason; since: number; until: number | null; message: string }
  | { type: 'resumed' }
  /** the window now shows another agent (the demo, or back to the real queue): reload everything */
  | { type: 'mode'; mode: 'demo' | 'd365' | 'not-connected' }
  | { type: 'progress'; counts: StateCounts; sentThisRun: number; ratePerMinute: number };

export type AgentEventType = AgentEvent['type'];
export type Stamped<E> = E & { seq: number; at: number };
export type StampedEvent = Stamped<AgentEvent>;
export type Listener = (event: StampedEvent) => void;

/**
 * Synchronous fan-out: a conflict reaches every subscriber in the same tick it is recorded.
 * A listener that throws is reported and does not stop the others.
 */
export class EventBus {
  private readonly listeners = new Set<Listener>();
  private seq = 0;
  private readonly now: () => number;
  private readonly onListenerError: (e: unknown) => void;

  constructor(now: () => number = Date.now, onListenerError: (e: unknown) => void = (e) => console.error('event listener failed:', e)) {
    this.now = now;
    this.onListenerError = onListenerError;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: AgentEvent): void {
    const stamped = { ...event, seq: ++this.seq, at: this.now() } as StampedEvent;
    for (const l of [...this.listeners]) {
      try {
        l(stamped);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
