import { AgentText } from '../common/AgentText.tsx';
import { useT } from '../i18n/use-t.ts';
import type { Lookup } from './use-order-lookup.ts';

export function LookupNote({ lookup }: { lookup: Lookup }) {
  const t = useT();
  switch (lookup.status) {
    case 'idle':
      return <p className="hint muted">{t('lookup.idle')}</p>;
    case 'loading':
      return <p className="hint muted">{t('lookup.loading')}</p>;
    case 'online':
      return <p className="hint hint-ok">{t('lookup.online')}</p>;
    case 'offline':
      return (
        <div className="hint hint-warning" role="status">
          {t('lookup.offline')}
          <details className="details">
            <summary>{t('common.details')}</summary>
            <AgentText>{lookup.message}</AgentText>
          </details>
        </div>
      );
    case 'error':
      return (
        <p className="hint hint-danger" role="alert">
          {lookup.message}
        </p>
      );
  }
}
