import { useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import type { ApiInput, ExportFile, ImportPreview } from '../../core/api.ts';
import { useApi } from '../app/api-context.tsx';
import { focusIfLost } from '../app/focus.ts';
import { AgentText } from '../common/AgentText.tsx';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { downloadFile } from '../conflict-log/download.ts';
import { errorMessage } from '../format.ts';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';
import { partsOf, splitRecords, toBase64 } from './csv-parts.ts';
import { ImportPreviewTable } from './ImportPreviewTable.tsx';

const EXAMPLE = 'order,company,SalesOrderStatus,base.SalesOrderStatus\nSO-000042,USMF,Delivered,Backorder';

/** A file to start from: Excel opens it right (the BOM says UTF-8), and its rows show the header. */
const TEMPLATE: ExportFile = {
  filename: 'outbox-import-template.csv',
  contentType: 'text/csv; charset=utf-8',
  body: '\uFEFForder,company,SalesOrderStatus,base.SalesOrderStatus,DeliveryModeCode\r\nSO-000042,USMF,Delivered,Backorder,\r\nSO-000043,USMF,,,30\r\n',
  encoding: 'utf-8',
  count: 2,
};

/** Rows per call to the agent: a longer import goes in parts, with progress and Cancel. */
export const PART_ROWS = 1000;

type EncodingChoice = 'auto' | ImportPreview['encoding'];
type DelimiterChoice = 'auto' | ImportPreview['delimiter'];

/** What is being imported: a file's bytes as they are, or the text in the box. */
interface Source {
  bytes: Uint8Array;
  /** a file's name; null for typed or pasted text (UTF-8, from the browser) */
  file: string | null;
}

interface Options {
  encoding: EncodingChoice;
  delimiter: DelimiterChoice;
  currentBase: boolean;
}

type Run =
  | { kind: 'idle' }
  | { kind: 'preview' }
  | { kind: 'import'; done: number; total: number; cancelling: boolean }
  | { kind: 'finished'; queued: number; merged: number; total: number; note?: string }
  /** queued: the rows before `queued + 1` went in; the rest can be queued from there */
  | { kind: 'cancelled'; queued: number; total: number }
  | { kind: 'stopped'; queued: number; total: number; first: number; last: number; message: string };

/**
 * Paste rows, drop a CSV or pick one, check every row, then queue all of them or none. A file
 * is sent as its bytes so the agent finds (or is told) its encoding and delimiter, the way Excel
 * wrote it; the preview says what it found. Long imports go in parts, each all or nothing.
 */
export function BulkImport() {
  const api = useApi();
  const t = useT();
  const fmt = useFormat();
  const picker = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const result = useRef<HTMLDivElement>(null);
  const cancel = useRef(false);
  const [text, setText] = useState('');
  const [file, setFile] = useState<Source | null>(null);
  /** the text shown for the file: editing it makes the text the source */
  const [fileText, setFileText] = useState<string | null>(null);
  const [options, setOptions] = useState<Options>({ encoding: 'auto', delimiter: 'auto', currentBase: false });
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [checked, setChecked] = useState<string | null>(null);
  const [run, setRun] = useState<Run>({ kind: 'idle' });
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  /** The file, while the box still shows it untouched; else the box's text is what gets imported. */
  const shownFile = file && fileText !== null && text === fileText ? file : null;
  const source = (): Source | null => shownFile ?? (text.trim() ? { bytes: new TextEncoder().encode(text), file: null } : null);
  /** What a preview was made of: import only what was checked, with the options it was checked with. */
  const keyOf = (s: Source | { file: null } | null, o: Options) => (s ? JSON.stringify([s.file, 'bytes' in s && s.file ? s.bytes.length : text, o.encoding, o.delimiter]) : null);

  const args = (s: Source, o: Options, found?: ImportPreview): ApiInput<'previewImport'> => ({
    data: toBase64(s.bytes),
    // Text from the box is UTF-8 whatever was chosen for a file; parts use what the preview found.
    encoding: s.file ? (found?.encoding ?? o.encoding) : 'utf-8',
    delimiter: found?.delimiter ?? o.delimiter,
  });

  const check = async (s: Source | null = source(), o: Options = options) => {
    if (!s) return;
    setRun({ kind: 'preview' });
    setError(null);
    try {
      const p = await api.previewImport(args(s, o));
      setPreview(p);
      setChecked(keyOf(s, o));
      if (s.file) {
        // The file as the agent read it, so the person sees "Müller", not "MÃ¼ller".
        // Line breaks as a text box keeps them (it turns CRLF into LF), so an untouched box still means the file.
        const shown = new TextDecoder(p.encoding).decode(s.bytes).replace(/\r\n?/g, '\n');
        setText(shown);
        setFileText(shown);
      }
      setRun({ kind: 'idle' });
    } catch (e) {
      setPreview(null);
      setError(errorMessage(e));
      setRun({ kind: 'idle' });
    } finally {
      focusIfLost(() => result.current);
    }
  };

  /** Queues the rows after the first `from` (0: all of them); the parts before went in already. */
  const importAll = async (from = 0) => {
    const s = source();
    if (!s || !preview) return;
    const base = options.currentBase ? 'current' : 'as-given';
    setError(null);
    cancel.current = false;
    const total = preview.rows;
    try {
      if (total <= PART_ROWS && from === 0) {
        setRun({ kind: 'import', done: 0, total, cancelling: false });
        const r = await api.importCsv({ ...args(s, options, preview), base });
        setRun({ kind: 'finished', queued: r.queued, merged: r.merged, total, note: r.note });
      } else {
        let queued = from;
        let merged = 0;
        setRun({ kind: 'import', done: queued, total, cancelling: false });
        for (const part of partsOf(splitRecords(s.bytes), PART_ROWS)) {
          if (part.first <= from) continue;
          if (cancel.current) {
            setRun({ kind: 'cancelled', queued, total });
            return;
          }
          try {
            const r = await api.importCsv({ ...args({ ...s, bytes: part.bytes }, options, preview), base });
            queued += r.queued;
            merged += r.merged;
          } catch (e) {
            setRun({ kind: 'stopped', queued, total, first: part.first, last: part.first + part.count - 1, message: errorMessage(e) });
            return;
          }
          setRun((r) => (r.kind === 'import' ? { ...r, done: queued } : r));
        }
        setRun({ kind: 'finished', queued, merged, total });
      }
      setPreview(null);
      setText('');
      setFile(null);
      setFileText(null);
      setChecked(null);
    } catch (e) {
      setError(errorMessage(e));
      setRun({ kind: 'idle' });
    } finally {
      focusIfLost(() => result.current);
    }
  };

  const readFile = async (f: File) => {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await f.arrayBuffer());
    } catch (e) {
      setError(t('bulk.unreadable', { file: f.name, message: errorMessage(e) }));
      return;
    }
    const s = { bytes, file: f.name };
    setFile(s);
    // Each file is read afresh: found, unless the person chose.
    const o = { ...options, encoding: 'auto' as const, delimiter: 'auto' as const };
    setOptions(o);
    await check(s, o);
  };

  const onDrop = async (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files[0];
    if (f) await readFile(f);
  };

  const onPick = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    // Picking the same file again must read it again.
    e.target.value = '';
    if (!f) return;
    await readFile(f);
    box.current?.focus();
  };

  /** A different encoding or delimiter: read again at once with it. */
  const choose = (next: Partial<Options>) => {
    const o = { ...options, ...next };
    setOptions(o);
    if (preview) void check(source(), o);
  };

  const busy = run.kind === 'preview' || run.kind === 'import';
  const current: Source | { file: null } | null = shownFile ?? (text.trim() ? { file: null } : null);
  const fresh = preview !== null && checked === keyOf(current, options);
  const canImport = fresh && preview.problems.length === 0 && preview.rows > 0 && !busy;
  const fromFile = current?.file ?? null;

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
          readOnly={busy}
          onChange={(e) => setText(e.target.value)}
        />
        <p className="hint muted">
          {fromFile ? `${t('bulk.from', { file: fromFile })} ` : ''}
          {t.rich('bulk.header', { code: (chunks) => <code>{chunks}</code> })}
        </p>
      </div>
      <div className="actions">
        <input ref={picker} type="file" accept=".csv,.txt,text/csv,text/plain" className="file-input" tabIndex={-1} aria-hidden="true" onChange={onPick} />
        <button type="button" className="btn" disabled={busy} onClick={() => picker.current?.click()}>
          {t('bulk.choose')}
        </button>
        <button type="button" className="btn btn-ghost-link" onClick={() => downloadFile(TEMPLATE)}>
          {t('bulk.template')}
        </button>
        <span className="spacer" />
      </div>
      <div className="import-options">
        <label>
          {t('bulk.encoding')}
          <select value={options.encoding} disabled={busy || (current !== null && !current.file)} onChange={(e) => choose({ encoding: e.target.value as EncodingChoice })}>
            <option value="auto">{t('bulk.auto')}</option>
            <option value="utf-8">UTF-8</option>
            <option value="windows-1252">Windows-1252</option>
          </select>
        </label>
        <label>
          {t('bulk.delimiter')}
          <select value={options.delimiter} disabled={busy} onChange={(e) => choose({ delimiter: e.target.value as DelimiterChoice })}>
            <option value="auto">{t('bulk.auto')}</option>
            <option value=",">{t('bulk.comma')}</option>
            <option value=";">{t('bulk.semicolon')}</option>
            <option value={'\t'}>{t('bulk.tab')}</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={options.currentBase} disabled={busy} onChange={(e) => setOptions({ ...options, currentBase: e.target.checked })} />
          {t('bulk.currentBase')}
        </label>
      </div>
      <div className="actions">
        <button type="button" className="btn" disabled={!current || busy} onClick={() => check()}>
          {run.kind === 'preview' ? t('bulk.checking') : t('bulk.check')}
        </button>
        <span className="spacer" />
        {run.kind === 'import' && run.total > PART_ROWS ? (
          <button
            type="button"
            className="btn btn-danger"
            disabled={run.cancelling}
            onClick={() => {
              cancel.current = true;
              setRun({ ...run, cancelling: true });
            }}
          >
            {t('bulk.cancel')}
          </button>
        ) : null}
        {(run.kind === 'cancelled' || run.kind === 'stopped') && canImport ? (
          // Go on from where it stopped: queueing everything again would repeat the rows already in.
          <button type="button" className="btn btn-primary" onClick={() => importAll(run.queued)}>
            {t('bulk.queueRest', { rows: run.total - run.queued })}
          </button>
        ) : (
          <button type="button" className="btn btn-primary" disabled={!canImport} onClick={() => importAll()}>
            {run.kind === 'import' ? t('form.queueing') : preview && fresh && preview.rows > 0 ? t('bulk.queue', { rows: preview.rows }) : t('bulk.queueNone')}
          </button>
        )}
      </div>
      {/* What checking or queueing found; focus comes here when the button that started it is busy. */}
      <div ref={result} tabIndex={-1} className="result">
        {error ? <ErrorNote message={error} /> : null}
        {run.kind === 'import' && run.total > PART_ROWS ? (
          <div className="import-progress" role="status">
            <progress max={run.total} value={run.done} aria-label={t('bulk.progressLabel')} />
            <span>{t('bulk.progress', { done: fmt.number(run.done), total: fmt.number(run.total) })}</span>
            <span className="muted small">{t('bulk.cancelKeeps', { part: fmt.number(PART_ROWS) })}</span>
          </div>
        ) : null}
        {run.kind === 'finished' ? (
          <div className="note note-success" role="status">
            {t('bulk.queued', { queued: run.queued, merged: run.merged })} <a href="#/queue">{t('common.seeQueue')}</a>
          </div>
        ) : null}
        {run.kind === 'cancelled' ? (
          <div className="note note-warning" role="status">
            {t('bulk.cancelled', { queued: fmt.number(run.queued), total: fmt.number(run.total), rest: fmt.number(run.total - run.queued) })} <a href="#/queue">{t('common.seeQueue')}</a>
          </div>
        ) : null}
        {run.kind === 'stopped' ? (
          <div className="note note-danger note-wrap" role="alert">
            {t('bulk.stopped', { first: fmt.number(run.first), last: fmt.number(run.last), queued: fmt.number(run.queued) })} <AgentText>{run.message}</AgentText>
          </div>
        ) : null}
        {preview && fresh && run.kind !== 'import' ? <ImportPreviewTable preview={preview} fromFile={fromFile !== null} currentBase={options.currentBase} /> : null}
      </div>
    </div>
  );
}
