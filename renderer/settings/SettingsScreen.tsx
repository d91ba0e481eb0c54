import { useApi } from '../app/api-context.tsx';
import { useAgentStatus } from '../app/agent-status.tsx';
import { useLoad } from '../app/use-load.ts';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { Loading } from '../common/Loading.tsx';
import { ScreenHeading } from '../common/ScreenHeading.tsx';
import { useLanguagePreference } from '../i18n/I18nProvider.tsx';
import { useT } from '../i18n/use-t.ts';
import { SettingsForm } from './SettingsForm.tsx';

export function SettingsScreen() {
  const api = useApi();
  const t = useT();
  const status = useAgentStatus();
  const language = useLanguagePreference();
  const settings = useLoad(() => api.getSettings({}), [api]);
  return (
    <section className="screen screen-settings" aria-labelledby="settings-title">
      <div className="toolbar">
        <ScreenHeading id="settings-title">{t('nav.settings')}</ScreenHeading>
      </div>
      {settings.error ? <ErrorNote message={settings.error.message} onRetry={settings.reload} /> : null}
      {settings.loading && !settings.data ? <Loading text={t('settings.loading')} /> : null}
      {settings.data ? (
        <SettingsForm
          view={settings.data}
          onSaved={(next) => {
            language.setPreference(next.preferences.language);
            settings.reload();
            status.reload();
          }}
        />
      ) : null}
    </section>
  );
}
