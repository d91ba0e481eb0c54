import { useState } from 'react';
import type { Notice } from '../../core/outbox/outbox.ts';
import { AgentText } from '../common/AgentText.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { errorMessage } from '../format.ts';
import { useT } from '../i18n/use-t.ts';
import { useAgentStatus } from './agent-status.tsx';
import { useApi } from './api-context.tsx';
import { useModeSwitch } from './mode.tsx';

/**
 * What must be in view on every screen: that this is the demo (never the real queue), that
 * nothing is being sent because no D365 connection is set up, and any notice the agent keeps
 * until a person acknowledges it (a damaged database moved aside, a failed integrity check).
 */
export function Banners() {
  const { status } = useAgentStatus();
  if (!status) return null;
  return (
    <div className="banners">
      {status.mode === 'demo' ? <DemoBanner /> : null}
      {status.mode === 'not-connected' && status.connection ? <NotConnectedBanner line={status.connection} /> : null}
      {status.notices.map((n) => (
        <NoticeBanner key={n.id} notice={n} />
      ))}
    </div>
  );
}

function useSwitch(to: 'startDemo' | 'leaveDemo') {
  const api = useApi();
  const switched = useModeSwitch();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await api[to]({});
      switched();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function DemoBanner() {
  const t = useT();
  const leave = useSwitch('leaveDemo');
  return (
    <div className="banner banner-demo">
      <span className="banner-text">
        <strong>{t('banner.demo')}</strong> {t('banner.demoHint')}
      </span>
      <button type="button" className="btn btn-small" disabled={leave.busy} onClick={leave.run}>
        {t('banner.leaveDemo')}
      </button>
      {leave.error ? <ErrorNote message={leave.error} /> : null}
    </div>
  );
}

function NotConnectedBanner({ line }: { line: string }) {
  const t = useT();
  const demo = useSwitch('startDemo');
  return (
    <div className="banner banner-danger">
      <span className="banner-text">
        <AgentText>{line}</AgentText>
      </span>
      <a className="btn btn-small btn-primary" href="#/settings">
        {t('banner.openSettings')}
      </a>
      <button type="button" className="btn btn-small" disabled={demo.busy} onClick={demo.run}>
        {t('banner.tryDemo')}
      </button>
      {demo.error ? <ErrorNote message={demo.error} /> : null}
    </div>
  );
}

function NoticeBanner({ notice }: { notice: Notice }) {
  const api = useApi();
  const t = useT();
  const { reload } = useAgentStatus();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const textId = `notice-${notice.id}`;
  const acknowledge = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.acknowledgeNotice({ id: notice.id });
      reload();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <div className="banner banner-warning" role="group" aria-labelledby={textId}>
      <span className="banner-text" id={textId}>
        <strong>{t('banner.notice')}</strong> <AgentText>{notice.message}</AgentText>
      </span>
      <button type="button" className="btn btn-small" disabled={busy} onClick={acknowledge}>
        {t('banner.acknowledge')}
      </button>
      {error ? <ErrorNote message={error} /> : null}
    </div>
  );
}
