import { useT } from '../i18n/use-t.ts';

/**
 * Shown when the server refuses us: the page was opened without the access token. The
 * agent's own 401 text says the same in English only, so the page says it in the person's words.
 */
export function NeedsToken() {
  const t = useT();
  return (
    <main className="needs-token">
      <h1>{t('app.name')}</h1>
      <p>{t('token.needed')}</p>
      <pre>outbox serve{'\n'}  → http://127.0.0.1:PORT/?token=…</pre>
    </main>
  );
}
