import type { UpdateState } from '../../core/outbox/types.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { useT } from '../i18n/use-t.ts';

export const STATE_LABELS: Record<UpdateState, MessageId> = {
  pending: 'state.pending',
  sending: 'state.sending',
  done: 'state.done',
  conflict: 'state.conflict',
  failed: 'state.failed',
  held: 'state.held',
};

export function StateBadge({ state }: { state: UpdateState }) {
  const t = useT();
  return <span className={`badge badge-${state}`}>{t(STATE_LABELS[state])}</span>;
}
