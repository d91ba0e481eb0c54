import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useApi } from '../app/api-context.tsx';
import { AgentText } from '../common/AgentText.tsx';
import { useFormat } from '../i18n/use-format.ts';
import { useT } from '../i18n/use-t.ts';
import { fieldsFrom, useFieldRows } from './field-rows.ts';
import { FieldRowList } from './FieldRow.tsx';
import { beep, flash, readSoundOn, storeSoundOn } from './scan-feedback.ts';
import { ScanQueue, type BaseReading, type ScanOutcome } from './scan-queue.ts';

/** An order scanned again within this long is probably a double read: said so beside it. */
const AGAIN_MS = 5000;
/** The list shows the latest scans; older ones are in the queue. */
const LIST_MAX = 50;

interface ScanRow {
  seq: number;
  orderNumber: string;
  again: boolean;
  /** set when the scan was refused before reaching the agent (no field or value set) */
  outcome: ScanOutcome | { kind: 'refused'; reason: 'no-field' | 'no-value'; message: string };
}

/**
 * Scan mode: the fields and values are set once, then every order number followed by Enter
 * queues one update. The box is never disabled and clears itself on Enter, so a scanner that
 * types the next number while the last one is still being queued loses nothing: the numbers
 * wait in a line (ScanQueue) and go one after another.
 */
export function ScanMode({ defaultCompany }: { defaultCompany: string }) {
  const api = useApi();
  const t = useT();
  const fmt = useFormat();
  const boxRef = useRef<HTMLInputElement>(null);
  const { rows, update, add, remove } = useFieldRows('SalesOrderStatus');
  const [company, setCompany] = useState('');
  const [scans, setScans] = useState<ScanRow[]>([]);
  const [reading, setReading] = useState<BaseReading | null>(null);
  const [soundOn, setSoundOn] = useState(readSoundOn);
  const seq = useRef(0);
  const lastSeen = useRef(new Map<string, number>());
  const soundRef = useRef(soundOn);
  soundRef.current = soundOn;

  const feedback = (outcome: ScanRow['outcome']) => {
    if (outcome.kind === 'waiting') return;
    const tone = outcome.kind === 'queued' ? 'ok' : 'error';
    if (soundRef.current) beep(tone);
    flash(boxRef.current?.parentElement ?? null, tone);
  };

  const [queue] = useState(
    () =>
      new ScanQueue(
        api,
        (n, outcome) => {
          setScans((list) => list.map((s) => (s.seq === n ? { ...s, outcome } : s)));
          feedback(outcome);
        },
        setReading,
      ),
  );

  useEffect(() => {
    storeSoundOn(soundOn);
  }, [soundOn]);

  const onScan = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const box = e.currentTarget;
    const orderNumber = box.value.trim();
    // Cleared at once, in the same event: the scanner's next keystrokes start a new number.
    box.value = '';
    if (!orderNumber) return;
    const n = ++seq.current;
    const who = `${company.trim() || defaultCompany}\u0000${orderNumber}`;
    const now = Date.now();
    const again = now - (lastSeen.current.get(who) ?? -Infinity) < AGAIN_MS;
    lastSeen.current.set(who, now);
    const checked = fieldsFrom(rows);
    if (!checked.ok) {
      const outcome =
        checked.problem === 'no-field'
          ? { kind: 'refused' as const, reason: 'no-field' as const, message: t('scan.needField', { order: orderNumber }) }
          : { kind: 'refused' as const, reason: 'no-value' as const, message: t('scan.needValue', { order: orderNumber, field: checked.field }) };
      setScans((list) => [{ seq: n, orderNumber, again, outcome }, ...list].slice(0, LIST_MAX));
      feedback(outcome);
      return;
    }
    setScans((list) => [{ seq: n, orderNumber, again, outcome: { kind: 'waiting' } as ScanOutcome }, ...list].slice(0, LIST_MAX));
    queue.add({ seq: n, orderNumber, company: company.trim() || undefined, fields: checked.fields, again });
  };

  /** Enter in a value box: the values are set, scanning can start. */
  const toScanning = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    boxRef.current?.focus();
  };

  const latest = scans.find((s) => s.outcome.kind !== 'waiting');
  const waiting = scans.filter((s) => s.outcome.kind === 'waiting').length;

  return (
    <div className="panel form scan" role="group" aria-label={t('new.scan')}>
      <p className="hint muted scan-intro">{t('scan.intro')}</p>
      <div className="form-grid">
        <label>
          {t('form.company')}
          <input autoComplete="off" placeholder={defaultCompany} value={company} onChange={(e) => setCompany(e.target.value)} />
        </label>
      </div>
      <FieldRowList rows={rows} onChange={update} onRemove={remove} onValueKeyDown={toScanning} />
      <div className="actions">
        <button type="button" className="btn btn-small" onClick={add}>
          {t('form.addField')}
        </button>
      </div>
      <div className={`scan-box${latest ? ` scan-box-${latest.outcome.kind}` : ''}`}>
        <label>
          {t('form.order')}
          <input ref={boxRef} className="scan-input" autoComplete="off" spellCheck={false} placeholder="SO-000042" onKeyDown={onScan} />
        </label>
        <label className="check scan-sound">
          <input type="checkbox" checked={soundOn} onChange={(e) => setSoundOn(e.target.checked)} />
          {t('scan.sound')}
        </label>
      </div>
      <p className="scan-latest" role="status">
        {latest ? <ScanText row={latest} /> : t('scan.ready')}
        {waiting > 0 ? <span className="muted"> · {t('scan.waiting', { n: waiting })}</span> : null}
      </p>
      {reading && !reading.online ? (
        <div className="note note-warning note-wrap">
          {t('scan.noBase')} {t('base.risk')}{' '}
          <details className="details">
            <summary>{t('common.details')}</summary>
            <AgentText>{reading.message}</AgentText>
          </details>
        </div>
      ) : null}
      {scans.length > 0 ? (
        <ol className="scan-list" aria-label={t('scan.listLabel')}>
          {scans.map((s) => (
            <li key={s.seq} className={`scan-item scan-${s.outcome.kind}`}>
              <span className="scan-mark" aria-hidden="true">
                {s.outcome.kind === 'queued' ? '✓' : s.outcome.kind === 'refused' ? '✗' : '…'}
              </span>
              <ScanText row={s} />
              {s.again ? <span className="scan-again">{t('scan.again')}</span> : null}
            </li>
          ))}
        </ol>
      ) : null}
      {scans.length > 0 ? <p className="muted small">{t('scan.listNote', { n: fmt.number(LIST_MAX) })}</p> : null}
    </div>
  );
}

function ScanText({ row }: { row: ScanRow }) {
  const t = useT();
  const o = row.outcome;
  const order = row.orderNumber;
  switch (o.kind) {
    case 'waiting':
      return <span className="scan-text">{t('scan.waitingOne', { order })}</span>;
    case 'queued':
      return (
        <span className="scan-text">
          {t(o.coalesced ? 'scan.merged' : 'scan.queued', { order, id: o.id })}
          {o.withBase ? null : ` ${t('scan.withoutBase')}`}
        </span>
      );
    case 'refused':
      if (o.reason === 'no-field' || o.reason === 'no-value') return <span className="scan-text">{o.message}</span>;
      return (
        <span className="scan-text">
          {t(o.reason === 'not-found' ? 'scan.notFound' : 'scan.refused', { order })} <AgentText className="muted">{o.message}</AgentText>
        </span>
      );
  }
}
