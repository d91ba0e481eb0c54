import type { UpdateState } from '../../core/outbox/types.ts';

export const STATE_LABELS: Record<UpdateState, string> = {
  pending: 'Pending',
  sending: 'Sending',
  done: 'Done',
  conflict: 'Conflict',
  failed: 'Failed',
  held: 'Held',
};

export function StateBadge({ state }: { state: UpdateState }) {
  return <span className={`badge badge-${state}`}>{STATE_LABELS[state]}</span>;
}
