import { useState, type DragEvent } from 'react';
import type { ImportPreview } from '../../core/api.ts';
import { useApi } from '../app/api-context.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { errorMessage } from '../format.ts';
import { ImportPreviewTable } from './ImportPreviewTable.tsx';
import { pastedRowsToCsv } from './pasted-rows.ts';

const EXAMPLE = 'order,company,SalesOrderStatus,base.SalesOrderStatus\nSO-000042,USMF,Delivered,Backorder';

/** Paste rows or drop a CSV, check every row, then queue all of them or none. */
export function BulkImport() {
  const api = useApi();
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
    }
  };

  const confirm = async () => {
    setBusy('import');
    setError(null);
    try {
      const r = await api.importCsv({ csv: pastedRowsToCsv(checked) });
      setDone(`Queued ${r.queued.toLocaleString()} update(s)${r.merged ? `, ${r.merged} merged into pending updates of the same order` : ''}.`);
      setPreview(null);
      setText('');
      setChecked('');
      setSource(null);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const onDrop = async (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    const content = await file.text();
    setText(content);
    setSource(file.name);
    await check(content);
  };

  const canImport = preview !== null && preview.problems.length === 0 && preview.rows > 0 && checked === text && busy === null;

  return (
    <div className="panel form" aria-label="Bulk import">
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
          aria-label="Rows to import"
          rows={7}
          spellCheck={false}
          placeholder={`Paste rows from a spreadsheet, or drop a CSV file here.\n\n${EXAMPLE}`}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setSource(null);
          }}
        />
        <p className="hint muted">
          {source ? `From ${source}. ` : ''}Header: <code>order,company,&lt;field&gt;…,base.&lt;field&gt;…</code> — an empty cell leaves that field unchanged.
        </p>
      </div>
      <div className="actions">
        <button type="button" className="btn" disabled={!text.trim() || busy !== null} onClick={() => check(text)}>
          {busy === 'preview' ? 'Checking…' : 'Check rows'}
        </button>
        <span className="spacer" />
        <button type="button" className="btn btn-primary" disabled={!canImport} onClick={confirm}>
          {busy === 'import' ? 'Queueing…' : preview && preview.rows > 0 ? `Queue ${preview.rows.toLocaleString()} update(s)` : 'Queue updates'}
        </button>
      </div>
      {error ? <ErrorNote message={error} /> : null}
      {done ? (
        <div className="note note-success" role="status">
          {done} <a href="#/queue">See the queue</a>
        </div>
      ) : null}
      {preview && checked === text ? <ImportPreviewTable preview={preview} /> : null}
    </div>
  );
}
