import { useAgentStatus } from '../app/agent-status.tsx';
import { hrefFor } from '../app/routes.ts';
import { useT } from '../i18n/use-t.ts';

/** "3 failed — need a look", to the queue's Failed tab; gone once each one is retried, requeued or cancelled. */
export function NeedsLookLink({ className }: { className?: string }) {
  const t = useT();
  const { needsLook } = useAgentStatus();
  if (needsLook.n === 0) return null;
  return (
    <a className={`needs-look${className ? ` ${className}` : ''}`} href={hrefFor({ screen: 'queue', state: 'failed' })}>
      {t(needsLook.more ? 'failed.needLookMore' : 'failed.needLook', { n: needsLook.n })}
    </a>
  );
}
