import { useState, type FormEvent } from 'react';
import { DEFAULT_COMPANY, RETRY_LIMIT_RANGE, type SettingsView } from '../../core/api.ts';
import { useApi } from '../app/api-context.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { AgentText } from '../common/AgentText.tsx';
import { errorMessage } from '../format.ts';
import type { LanguagePreference } from '../i18n/language.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { useT } from '../i18n/use-t.ts';
import { draftFrom, isBlank, sameConnection, toConnection, type ConnectionDraft } from './connection-draft.ts';

/** Each language named in itself, so a person who cannot read the current one still finds theirs. */
const LANGUAGE_NAMES: Record<Exclude<LanguagePreference, 'auto'>, string> = { en: 'English', de: 'Deutsch' };

/** Where the agent keeps the secret (SettingsView.secretStore), said as a whole sentence per place. */
function secretStoreText(store: string): MessageId | null {
  if (store === 'keychain') return 'settings.secretIn.keychain';
  if (store === 'memory') return 'settings.secretIn.memory';
  if (store.startsWith('environment')) return 'settings.secretIn.environment';
  return null;
}

export function SettingsForm({ view, onSaved }: { view: SettingsView; onSaved(next: SettingsView): void }) {
  const api = useApi();
  const t = useT();
  const [draft, setDraft] = useState<ConnectionDraft>(() => draftFrom(view.connection));
  // Write-only: the stored secret is never sent to the window, only whether one exists.
  const [secret, setSecret] = useState('');
  const [company, setCompany] = useState(view.preferences.defaultCompany);
  const [retryLimit, setRetryLimit] = useState(String(view.preferences.retryLimit));
  const [startAtLogin, setStartAtLogin] = useState(view.preferences.startAtLogin);
  const [language, setLanguage] = useState<LanguagePreference>(view.preferences.language);
  const [busy, setBusy] = useState<'save' | 'test' | 'remove' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const storeText = secretStoreText(view.secretStore);
  const secretHint = storeText ? t(storeText) : t('settings.secretHint', { store: view.secretStore });

  const set = (patch: Partial<ConnectionDraft>) => setDraft((d) => ({ ...d, ...patch }));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setMessage(null);
    const limit = Number(retryLimit);
    if (!Number.isInteger(limit) || limit < RETRY_LIMIT_RANGE.min || limit > RETRY_LIMIT_RANGE.max) {
      setError(t('settings.retryLimitInvalid'));
      return;
    }
    const changed = !sameConnection(draft, view.connection);
    if (changed && isBlank(draft)) {
      setError(t('settings.useRemove'));
      return;
    }
    setBusy('save');
    try {
      const next = await api.saveSettings({
        preferences: { defaultCompany: company.trim() || DEFAULT_COMPANY, retryLimit: limit, startAtLogin, language },
        ...(changed ? { connection: toConnection(draft, view.connection) } : {}),
        ...(secret ? { secret } : {}),
      });
      setSecret('');
      setMessage({ ok: true, text: t('settings.saved') });
      onSaved(next);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const test = async () => {
    setBusy('test');
    setError(null);
    setMessage(null);
    try {
      const r = await api.testConnection({});
      setMessage({ ok: r.ok, text: r.message });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const remove = async () => {
    setBusy('remove');
    setError(null);
    try {
      const next = await api.saveSettings({ connection: null });
      setDraft(draftFrom(null));
      setMessage({ ok: true, text: t('settings.removed') });
      onSaved(next);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <form className="panel form settings" onSubmit={save} aria-label={t('nav.settings')}>
      <div className={`note ${view.mode === 'd365' ? 'note-success' : view.mode === 'demo' ? 'note-info' : 'note-warning'}`}>
        {view.mode === 'demo' ? (
          t('settings.demo')
        ) : view.mode === 'd365' ? (
          t('settings.connected', { url: view.connection?.environmentUrl ?? 'D365' })
        ) : view.problem ? (
          <AgentText>{view.problem}</AgentText>
        ) : (
          t('settings.notConnected')
        )}
      </div>
      <h2 className="section-title">{t('settings.connection')}</h2>
      <div className="form-grid">
        <label className="wide">
          {t('settings.environmentUrl')}
          <input type="url" placeholder="https://contoso.operations.dynamics.com" value={draft.environmentUrl} onChange={(e) => set({ environmentUrl: e.target.value })} />
        </label>
        <label>
          {t('settings.profile')}
          <select value={draft.profile} onChange={(e) => set({ profile: e.target.value === 'bc' || e.target.value === 'dataverse' ? e.target.value : 'fo' })}>
            <option value="fo">{t('settings.profileFo')}</option>
            <option value="bc">{t('settings.profileBc')}</option>
            <option value="dataverse">{t('settings.profileDataverse')}</option>
          </select>
        </label>
        <label>
          {t('settings.tenant')}
          <input placeholder="contoso.onmicrosoft.com" value={draft.tenant} onChange={(e) => set({ tenant: e.target.value })} />
        </label>
        <label>
          {t('settings.clientId')}
          <input placeholder="00000000-0000-0000-0000-000000000000" value={draft.clientId} onChange={(e) => set({ clientId: e.target.value })} />
        </label>
        <label>
          {t('settings.authorityUrl')}
          <input type="url" value={draft.authorityUrl} onChange={(e) => set({ authorityUrl: e.target.value })} />
        </label>
        <label className="wide">
          {t('settings.secret')}
          <input
            type="password"
            autoComplete="new-password"
            placeholder={view.hasSecret ? t('settings.secretStored') : t('settings.secretNone')}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
          <span className="hint muted">{secretHint}</span>
        </label>
      </div>
      <h2 className="section-title">{t('settings.preferences')}</h2>
      <div className="form-grid">
        <label>
          {t('settings.defaultCompany')}
          <input value={company} onChange={(e) => setCompany(e.target.value)} />
        </label>
        <label>
          {t('settings.retryLimit')}
          <input type="number" min={RETRY_LIMIT_RANGE.min} max={RETRY_LIMIT_RANGE.max} value={retryLimit} onChange={(e) => setRetryLimit(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={startAtLogin} onChange={(e) => setStartAtLogin(e.target.checked)} />
          {t('settings.startAtLogin')}
        </label>
        <label>
          {t('settings.language')}
          <select value={language} onChange={(e) => setLanguage(e.target.value as LanguagePreference)}>
            <option value="auto">{t('settings.languageAuto')}</option>
            {(Object.keys(LANGUAGE_NAMES) as (keyof typeof LANGUAGE_NAMES)[]).map((l) => (
              <option key={l} value={l} lang={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy !== null}>
          {busy === 'save' ? t('settings.saving') : t('settings.save')}
        </button>
        <button type="button" className="btn" disabled={busy !== null} onClick={test}>
          {busy === 'test' ? t('settings.testing') : t('settings.test')}
        </button>
        <span className="spacer" />
        {view.connection ? (
          <button type="button" className="btn btn-danger" disabled={busy !== null} onClick={remove}>
            {t('settings.remove')}
          </button>
        ) : null}
      </div>
      {error ? <ErrorNote message={error} /> : null}
      {message ? (
        <div className={`note ${message.ok ? 'note-success' : 'note-danger'}`} role="status">
          {message.text}
        </div>
      ) : null}
    </form>
  );
}
