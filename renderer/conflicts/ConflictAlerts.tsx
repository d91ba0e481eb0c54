import { useEffect, useRef, useState } from 'react';
import { DesktopAlerts } from '../app/desktop-alerts.ts';
import { hrefFor } from '../app/routes.ts';
import { useAgentEvents } from '../app/use-agent-events.ts';
import { useToast } from '../app/toasts.tsx';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';

interface Burst {
  n: number;
  /** the single one, while there is only one: its own toast links to it */
  first: { id: number; order: string; body: string } | null;
  /** "Alert me on the desktop too", kept on the toast as it counts up, until pressed */
  offer?: { label: string; run(): void };
}

const EMPTY: Burst = { n: 0, first: null };

/**
 * Raises an in-app alert for what a person has to act on, whatever screen is open. Events of a
 * kind are grouped into one toast that counts ("12 new conflicts — Review") until the person
 * dismisses or follows it; with `desktop`, the browser's notifications say the same when the
 * page is not in view.
 */
export function ConflictAlerts({ desktop = false }: { desktop?: boolean }) {
  const toast = useToast();
  const t = useT();
  const fmt = useFormat();
  const conflicts = useRef<Burst>(EMPTY);
  const failures = useRef<Burst>(EMPTY);
  const [alerts] = useState(() => (desktop ? new DesktopAlerts() : null));
  useEffect(() => () => alerts?.stop(), [alerts]);

  const offer = () =>
    alerts?.takeOffer()
      ? {
          label: t('alert.enableDesktop'),
          run: () => {
            conflicts.current = { ...conflicts.current, offer: undefined };
            alerts.ask();
          },
        }
      : undefined;

  useAgentEvents(
    (e) => {
      if (e.type === 'conflict') {
        const order = `${e.company} / ${e.orderNumber}`;
        const body = t('alert.conflictBody', { fields: fmt.list(e.fields.map((f) => f.field)) });
        const b = conflicts.current;
        conflicts.current = { n: b.n + 1, first: b.n === 0 ? { id: e.id, order, body } : null, offer: b.n === 0 ? offer() : b.offer };
        const n = conflicts.current.n;
        const single = conflicts.current.first;
        const title = single ? t('alert.conflict', { order }) : t('alert.conflicts', { n });
        const href = single ? `#/conflicts/${single.id}` : '#/conflicts';
        toast({
          key: 'conflicts',
          tone: 'danger',
          sticky: true,
          title,
          body: single ? body : t('alert.conflictsBody'),
          href,
          linkText: t('alert.review'),
          action: conflicts.current.offer,
          onClose: () => (conflicts.current = EMPTY),
        });
        alerts?.show('outbox-conflicts', title, single ? body : t('alert.conflictsBody'), href);
      } else if (e.type === 'paused' && e.reason === 'credentials') {
        toast({ key: 'credentials', tone: 'danger', sticky: true, title: t('alert.credentials'), body: e.message, bodyByAgent: true, href: '#/settings', linkText: t('nav.settings') });
        alerts?.show('outbox-credentials', t('alert.credentials'), e.message, '#/settings');
      } else if (e.type === 'long-pause') {
        const title = t('alert.longPause', { since: new Date(e.since) });
        const body = e.until ? t('alert.longPauseUntil', { until: new Date(e.until) }) : t('alert.longPauseOpen');
        toast({ key: 'long-pause', tone: 'warning', sticky: true, title, body });
        alerts?.show('outbox-long-pause', title, body, '#/queue');
      } else if (e.type === 'failed' && e.error.code !== 'CANCELLED') {
        const b = failures.current;
        const order = `${e.company} / ${e.orderNumber}`;
        failures.current = { n: b.n + 1, first: b.n === 0 ? { id: e.id, order, body: e.error.message } : null };
        const single = failures.current.first;
        toast({
          key: 'failed',
          tone: 'warning',
          title: single ? t('alert.failed', { order: single.order }) : t('alert.failedMany', { n: failures.current.n }),
          body: single ? single.body : t('alert.failedManyBody'),
          bodyByAgent: single !== null,
          href: hrefFor({ screen: 'queue', state: 'failed' }),
          linkText: t('alert.look'),
          onClose: () => (failures.current = EMPTY),
        });
      }
    },
    ['conflict', 'paused', 'failed', 'long-pause'],
  );
  return null;
}
