import { useAgentEvents } from '../app/use-agent-events.ts';
import { useToast } from '../app/toasts.tsx';

/** Raises an in-app alert for every event a person has to act on, whatever screen is open. */
export function ConflictAlerts() {
  const toast = useToast();
  useAgentEvents(
    (e) => {
      if (e.type === 'conflict') {
        toast({
          tone: 'danger',
          sticky: true,
          title: `Conflict on ${e.company} / ${e.orderNumber}`,
          body: `Someone else changed ${e.fields.map((f) => f.field).join(', ')}.`,
          href: `#/conflicts/${e.id}`,
          linkText: 'Review',
        });
      } else if (e.type === 'paused' && e.reason === 'credentials') {
        toast({ tone: 'danger', sticky: true, title: 'D365 rejected the credentials', body: e.message, href: '#/settings', linkText: 'Settings' });
      } else if (e.type === 'failed' && e.error.code !== 'CANCELLED') {
        toast({ tone: 'warning', title: `Failed: ${e.company} / ${e.orderNumber}`, body: e.error.message });
      }
    },
    ['conflict', 'paused', 'failed'],
  );
  return null;
}
