import { useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import type { ImportPreview } from '../../core/api.ts';
import { useApi } from '../app/api-context.tsx';
import { focusIfLost } from '../app/focus.ts';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { errorMessage } from '../format.ts';
import { useT } from '../i18n/use-t.ts';
import { ImportPreviewTable } from './ImportPreviewTable.tsx';
import { pastedRowsToCsv } from './pasted-rows.ts';

const EXAMPLE = 'order,company,SalesOrderStatus,base.SalesOrderStatus\nSO-000042,USMF,Delivered,Backorder';

/** Paste rows, drop a CSV or pick one, check every row, then queue all of them or none. */
export function BulkImport() {
  const api = useApi();
  const t = useT();
  const picker = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const result = useRef<HTMLDivElement>(null);
  const [text, setText] = useState('');
  const [source, setSource] = useState<string | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [checked, setChecked] = useState('');
  const [busy, setBusy] = useState<'preview' | 'import' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  const check = async (raw: string) => {
    const csv = pastedRowsToCsv(raw);
    setBusy('preview');
    setError(null);
    setDone(null);
    try {
      setPreview(await api.previewImport({ csv }));
      setChecked(raw);
    } catch (e) {
      setPreview(null);
      setError(errorMessage(e));
    } finally {
      setBusy(null);
      focusIfLost(() => result.current);
    }
  };

  const confirm = async () => {
    setBusy('import');
    setError(null);
    try {
      const r = await api.importCsv({ csv: pastedRowsToCsv(checked) });
      setDone(t('bulk.queued', { queued: r.queued, merged: r.merged }));
      setPreview(null);
      setText('');
      setChecked('');
      setSource(null);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
      focusIfLost(() => result.current);
    }
  };

  const readFile = async (file: File) => {
    let content: string;
    try {
      content = await file.text();
    } catch (e) {
      setError(t('bulk.unreadable', { file: file.name, message: errorMessage(e) }));
      return;
    }
    setText(content);
    setSource(file.name);
    await check(content);
  };

  const onDrop = async (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) await readFile(file);
  };

  const onPick = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    // Picking the same file again must read it again.
    e.target.value = '';
    if (!file) return;
    await readFile(file);
    box.current?.focus();
  };

  const canImport = preview !== null && preview.problems.length === 0 && preview.rows > 0 && checked === text && busy === null;

  return (
    <div className="panel form" role="group" aria-label={t('bulk.label')}>
      <div
        className={`dropzone${dragging ? ' dropzone-active' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <textarea
          ref={box}
          aria-label={t('bulk.rows')}
          rows={7}
          spellCheck={false}
          placeholder={`${t('bulk.placeholder')}\n\n${EXAMPLE}`}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setSource(null);
          }}
        />
        <p className="hint muted">
          {source ? `${t('bulk.from', { file: source })} ` : ''}
          {t.rich('bulk.header', { code: (chunks) => <code>{chunks}</code> })}
        </p>
      </div>
      <div className="actions">
        <input ref={picker} type="file" accept=".csv,.txt,text/csv,text/plain" className="file-input" tabIndex={-1} aria-hidden="true" onChange={onPick} />
        <button type="button" className="btn" disabled={busy !== null} onClick={() => picker.current?.click()}>
          {t('bulk.choose')}
        </button>
        <button type="button" className="btn" disabled={!text.trim() || busy !== null} onClick={() => check(text)}>
          {busy === 'preview' ? t('bulk.checking') : t('bulk.check')}
        </button>
        <span className="spacer" />
        <button type="button" className="btn btn-primary" disabled={!canImport} onClick={confirm}>
          {busy === 'import' ? t('form.queueing') : preview && preview.rows > 0 ? t('bulk.queue', { rows: preview.rows }) : t('bulk.queueNone')}
        </button>
      </div>
      {/* What checking or queueing found; focus comes here when the button that started it is busy. */}
      <div ref={result} tabIndex={-1} className="result">
        {error ? <ErrorNote message={error} /> : null}
        {done ? (
          <div className="note note-success" role="status">
            {done} <a href="#/queue">{t('common.seeQueue')}</a>
          </div>
        ) : null}
        {preview && checked === text ? <ImportPreviewTable preview={preview} /> : null}
      </div>
    </div>
  );
}
