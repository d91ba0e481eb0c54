import type { Update } from '../../core/outbox/types.ts';
import type { MessageId } from '../i18n/messages-en.ts';

export interface Problem {
  /** what happened, in the desk's words */
  headline: MessageId;
  /** D365's (or the agent's) own text is what the person needs to fix it: shown, not tucked away */
  showMessage: boolean;
}

export const isCancelled = (u: Update): boolean => u.state === 'failed' && u.lastError?.code === 'CANCELLED';

/** A failed update that nobody has dealt with yet: it needs a person's look. */
export const needsLook = (u: Update): boolean => u.state === 'failed' && !isCancelled(u);

/** Why an update is not done, by its last error's stable code (never by its text). */
export function problemOf(u: Update): Problem | null {
  const code = u.lastError?.code;
  if (!code) return null;
  if (u.state === 'failed') {
    switch (code) {
      case 'CANCELLED':
        return { headline: 'problem.cancelled', showMessage: false };
      case 'LOST_RACE':
        return { headline: 'problem.lostRace', showMessage: false };
      case 'VALIDATION':
        return { headline: 'problem.refused', showMessage: true };
      case 'NOT_FOUND':
        return { headline: 'problem.notFound', showMessage: true };
      default:
        return { headline: 'problem.failed', showMessage: true };
    }
  }
  if (u.state === 'conflict') return { headline: 'problem.conflict', showMessage: false };
  switch (code) {
    case 'OFFLINE':
      return { headline: 'problem.waitingOffline', showMessage: false };
    case 'THROTTLED':
      return { headline: 'problem.waitingThrottled', showMessage: false };
    case 'CONCURRENCY':
      return { headline: 'problem.waitingBusy', showMessage: false };
    default:
      return { headline: 'problem.waiting', showMessage: false };
  }
}
