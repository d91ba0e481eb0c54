import { useAgentEvents } from '../app/use-agent-events.ts';
import { useToast } from '../app/toasts.tsx';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';

/** Raises an in-app alert for every event a person has to act on, whatever screen is open. */
export function ConflictAlerts() {
  const toast = useToast();
  const t = useT();
  const fmt = useFormat();
  useAgentEvents(
    (e) => {
      if (e.type === 'conflict') {
        toast({
          tone: 'danger',
          sticky: true,
          title: t('alert.conflict', { order: `${e.company} / ${e.orderNumber}` }),
          body: t('alert.conflictBody', { fields: fmt.list(e.fields.map((f) => f.field)) }),
          href: `#/conflicts/${e.id}`,
          linkText: t('alert.review'),
        });
      } else if (e.type === 'paused' && e.reason === 'credentials') {
        toast({ tone: 'danger', sticky: true, title: t('alert.credentials'), body: e.message, href: '#/settings', linkText: t('nav.settings') });
      } else if (e.type === 'failed' && e.error.code !== 'CANCELLED') {
        toast({ tone: 'warning', title: t('alert.failed', { order: `${e.company} / ${e.orderNumber}` }), body: e.error.message });
      }
    },
    ['conflict', 'paused', 'failed'],
  );
  return null;
}
