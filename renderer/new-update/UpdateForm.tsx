import { useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Fields } from '../../core/outbox/types.ts';
import { useApi } from '../app/api-context.tsx';
import { focusIfLost } from '../app/focus.ts';
import { ErrorNote } from '../common/ErrorNote.tsx';
import { errorMessage } from '../format.ts';
import { useT } from '../i18n/use-t.ts';
import { fieldsFrom, useFieldRows } from './field-rows.ts';
import { FieldRowList } from './FieldRow.tsx';
import { LookupNote } from './LookupNote.tsx';
import { baseFrom, lookupKey, useOrderLookup } from './use-order-lookup.ts';

interface Queued {
  id: number;
  label: string;
  coalesced: boolean;
  withBase: boolean;
}

/**
 * Keyboard-first: a barcode scanner types the order number and Enter, which moves focus to the
 * first value; Enter there queues the update and brings focus back for the next scan.
 */
export function UpdateForm({ defaultCompany }: { defaultCompany: string }) {
  const api = useApi();
  const t = useT();
  const orderRef = useRef<HTMLInputElement>(null);
  const firstValueRef = useRef<HTMLInputElement>(null);
  const [orderNumber, setOrderNumber] = useState('');
  const [company, setCompany] = useState('');
  // The lookup runs for the order number once it is committed (Enter or leaving the field), not per keystroke.
  const [committedOrder, setCommittedOrder] = useState('');
  const { rows, update: updateRow, add: addRow, remove: removeRow, clearValues } = useFieldRows('SalesOrderStatus');
  const formRef = useRef<HTMLFormElement>(null);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [queued, setQueued] = useState<Queued | null>(null);

  const effectiveCompany = company.trim() || defaultCompany;
  const fieldNames = useMemo(() => [...new Set(rows.map((r) => r.field.trim()).filter(Boolean))], [rows]);
  const lookup = useOrderLookup(effectiveCompany, committedOrder, fieldNames);
  const lookupFresh = 'key' in lookup && lookup.key === lookupKey(effectiveCompany, orderNumber, fieldNames);
  const currentValues = lookup.status === 'online' && lookupFresh ? lookup.values : null;

  const commitOrder = () => setCommittedOrder(orderNumber.trim());

  const onOrderKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    commitOrder();
    firstValueRef.current?.focus();
    firstValueRef.current?.select();
  };


  /** The base the person saw; read now if they were quicker than the lookup. Null when offline. */
  const resolveBase = async (order: string): Promise<Fields | null> => {
    if (currentValues && lookupFresh) return baseFrom(currentValues, fieldNames);
    if (lookup.status === 'offline' && lookupFresh) return null;
    try {
      const r = await api.lookupOrder({ orderNumber: order, fields: fieldNames, ...(company.trim() ? { company: company.trim() } : {}) });
      return r.online ? baseFrom(r.values, fieldNames) : null;
    } catch {
      // The order could not be read (not found, invalid field): D365 will say so when it is sent.
      return null;
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (submitting) return;
    const order = orderNumber.trim();
    setError(null);
    if (!order) {
      setError(t('form.needOrder'));
      orderRef.current?.focus();
      return;
    }
    const checked = fieldsFrom(rows);
    if (!checked.ok) {
      if (checked.problem === 'no-field') setError(t('form.needField'));
      else {
        // Enter on an empty value: never a blank sent to D365 by accident.
        setError(t('form.needValue', { field: checked.field }));
        formRef.current?.querySelector<HTMLInputElement>(`input[data-row-key="${checked.key}"]`)?.focus();
      }
      return;
    }
    const { fields } = checked;
    setSubmitting(true);
    try {
      const base = await resolveBase(order);
      const r = await api.enqueue({ orderNumber: order, fields, base, source: 'form', ...(company.trim() ? { company: company.trim() } : {}) });
      setQueued({ id: r.id, label: `${effectiveCompany} / ${order}`, coalesced: r.coalesced, withBase: base !== null });
      setOrderNumber('');
      setCommittedOrder('');
      clearValues();
      orderRef.current?.focus();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSubmitting(false);
      focusIfLost(() => orderRef.current);
    }
  };

  return (
    <form ref={formRef} className="panel form" onSubmit={submit} aria-label={t('nav.new')}>
      <div className="form-grid">
        <label>
          {t('form.order')}
          <input
            ref={orderRef}
            autoFocus
            autoComplete="off"
            spellCheck={false}
            placeholder="SO-000042"
            value={orderNumber}
            onChange={(e) => setOrderNumber(e.target.value)}
            onKeyDown={onOrderKeyDown}
            onBlur={commitOrder}
          />
        </label>
        <label>
          {t('form.company')}
          <input autoComplete="off" placeholder={defaultCompany} value={company} onChange={(e) => setCompany(e.target.value)} onBlur={commitOrder} />
        </label>
      </div>
      <LookupNote lookup={lookupFresh || lookup.status === 'idle' ? lookup : { status: 'idle' }} />
      <FieldRowList rows={rows} current={currentValues ? (f) => currentValues[f] : undefined} firstValueRef={firstValueRef} onChange={updateRow} onRemove={removeRow} />
      <div className="actions">
        <button type="button" className="btn btn-small" onClick={addRow}>
          {t('form.addField')}
        </button>
        <span className="spacer" />
        <button type="submit" className="btn btn-primary" disabled={submitting}>
          {submitting ? t('form.queueing') : t('form.queue')}
        </button>
      </div>
      {error ? <ErrorNote message={error} /> : null}
      {queued ? (
        <div className="note note-success" role="status">
          {t('form.queued', { id: queued.id, order: queued.label, merged: queued.coalesced, withBase: queued.withBase })} {queued.withBase ? null : `${t('base.risk')} `}
          <a href="#/queue">{t('common.seeQueue')}</a>
        </div>
      ) : null}
    </form>
  );
}
