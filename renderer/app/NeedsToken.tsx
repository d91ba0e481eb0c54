import { AgentText } from '../common/AgentText.tsx';
import { useT } from '../i18n/use-t.ts';

/** Shown when the server refuses us: the page was opened without the access token. */
export function NeedsToken({ message }: { message: string }) {
  const t = useT();
  return (
    <main className="needs-token">
      <h1>{t('app.name')}</h1>
      <p>{t('token.needed')}</p>
      <pre>outbox serve{'\n'}  → http://127.0.0.1:PORT/?token=…</pre>
      <p className="muted">
        <AgentText>{message}</AgentText>
      </p>
    </main>
  );
}
