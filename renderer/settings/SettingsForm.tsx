import { useState, type FormEvent } from 'react';
import type { SettingsView } from '../../core/api.ts';
import { useApi } from '../app/api-context.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { errorMessage } from '../format.ts';
import { draftFrom, isBlank, sameConnection, toConnection, type ConnectionDraft } from './connection-draft.ts';

export function SettingsForm({ view, onSaved }: { view: SettingsView; onSaved(next: SettingsView): void }) {
  const api = useApi();
  const [draft, setDraft] = useState<ConnectionDraft>(() => draftFrom(view.connection));
  // Write-only: the stored secret is never sent to the window, only whether one exists.
  const [secret, setSecret] = useState('');
  const [company, setCompany] = useState(view.preferences.defaultCompany);
  const [retryLimit, setRetryLimit] = useState(String(view.preferences.retryLimit));
  const [startAtLogin, setStartAtLogin] = useState(view.preferences.startAtLogin);
  const [busy, setBusy] = useState<'save' | 'test' | 'remove' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const set = (patch: Partial<ConnectionDraft>) => setDraft((d) => ({ ...d, ...patch }));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setMessage(null);
    const limit = Number(retryLimit);
    if (!Number.isInteger(limit) || limit < 0 || limit > 10) {
      setError('The retry limit must be a whole number from 0 to 10.');
      return;
    }
    const changed = !sameConnection(draft, view.connection);
    if (changed && isBlank(draft)) {
      setError('To stop using D365, use “Remove connection”.');
      return;
    }
    setBusy('save');
    try {
      const next = await api.saveSettings({
        preferences: { defaultCompany: company.trim() || 'USMF', retryLimit: limit, startAtLogin },
        ...(changed ? { connection: toConnection(draft, view.connection) } : {}),
        ...(secret ? { secret } : {}),
      });
      setSecret('');
      setMessage({ ok: true, text: 'Saved.' });
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
      setMessage({ ok: true, text: 'Connection removed; nothing is sent until a new one is set.' });
      onSaved(next);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <form className="panel form settings" onSubmit={save} aria-label="Settings">
      <div className={`note ${view.mode === 'd365' ? 'note-success' : view.mode === 'demo' ? 'note-info' : 'note-warning'}`}>
        {view.mode === 'demo'
          ? 'This is the demo: updates go to the embedded simulator, in an outbox of their own (not your real queue).'
          : view.mode === 'd365'
            ? `Connected to ${view.connection?.environmentUrl ?? 'D365'}.`
            : (view.problem ?? 'Not connected to D365: nothing is sent until the connection below is saved with its client secret.')}
      </div>
      <h3>Dynamics 365 connection</h3>
      <div className="form-grid">
        <label className="wide">
          Environment URL
          <input type="url" placeholder="https://contoso.operations.dynamics.com" value={draft.environmentUrl} onChange={(e) => set({ environmentUrl: e.target.value })} />
        </label>
        <label>
          Profile
          <select value={draft.profile} onChange={(e) => set({ profile: e.target.value === 'bc' || e.target.value === 'dataverse' ? e.target.value : 'fo' })}>
            <option value="fo">Finance &amp; Operations</option>
            <option value="bc">Business Central</option>
            <option value="dataverse">Dataverse (Dynamics 365 Sales)</option>
          </select>
        </label>
        <label>
          Tenant
          <input placeholder="contoso.onmicrosoft.com" value={draft.tenant} onChange={(e) => set({ tenant: e.target.value })} />
        </label>
        <label>
          Client id
          <input placeholder="00000000-0000-0000-0000-000000000000" value={draft.clientId} onChange={(e) => set({ clientId: e.target.value })} />
        </label>
        <label>
          Authority URL
          <input type="url" value={draft.authorityUrl} onChange={(e) => set({ authorityUrl: e.target.value })} />
        </label>
        <label className="wide">
          Client secret
          <input
            type="password"
            autoComplete="new-password"
            placeholder={view.hasSecret ? 'A secret is stored — type to replace it' : 'Not stored yet'}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
          <span className="hint muted">Kept in {view.secretStore}; never shown again.</span>
        </label>
      </div>
      <h3>Preferences</h3>
      <div className="form-grid">
        <label>
          Default company
          <input value={company} onChange={(e) => setCompany(e.target.value)} />
        </label>
        <label>
          Retry limit
          <input type="number" min={0} max={10} value={retryLimit} onChange={(e) => setRetryLimit(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={startAtLogin} onChange={(e) => setStartAtLogin(e.target.checked)} />
          Start at login
        </label>
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy !== null}>
          {busy === 'save' ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="btn" disabled={busy !== null} onClick={test}>
          {busy === 'test' ? 'Testing…' : 'Test connection'}
        </button>
        <span className="spacer" />
        {view.connection ? (
          <button type="button" className="btn btn-danger" disabled={busy !== null} onClick={remove}>
            Remove connection
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
