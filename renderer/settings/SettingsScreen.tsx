import { useApi } from '../app/api-context.tsx';
import { useAgentStatus } from '../app/agent-status.tsx';
import { useLoad } from '../app/use-load.ts';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { Loading } from '../common/Loading.tsx';
import { SettingsForm } from './SettingsForm.tsx';

export function SettingsScreen() {
  const api = useApi();
  const status = useAgentStatus();
  const settings = useLoad(() => api.getSettings({}), [api]);
  return (
    <section className="screen screen-settings" aria-label="Settings">
      {settings.error ? <ErrorNote message={settings.error.message} onRetry={settings.reload} /> : null}
      {settings.loading && !settings.data ? <Loading what="settings" /> : null}
      {settings.data ? (
        <SettingsForm
          view={settings.data}
          onSaved={() => {
            settings.reload();
            status.reload();
          }}
        />
      ) : null}
    </section>
  );
}
