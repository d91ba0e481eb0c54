import type { ImportPreview } from '../../core/api.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { AgentText } from '../common/AgentText.tsx';
import { FieldValueText } from '../common/FieldValueText.tsx';
import { useT } from '../i18n/use-t.ts';

const DELIMITER_NAMES: Record<ImportPreview['delimiter'], MessageId> = { ',': 'bulk.comma', ';': 'bulk.semicolon', '\t': 'bulk.tab' };

export function ImportPreviewTable({ preview, fromFile = false, currentBase = false }: { preview: ImportPreview; fromFile?: boolean; currentBase?: boolean }) {
  const t = useT();
  const baseless = preview.sample.some((r) => r.base === null);
  return (
    <div className="import-preview">
      <p className="import-read muted small">
        {fromFile
          ? t('bulk.readAs', { encoding: preview.encoding === 'utf-8' ? 'UTF-8' : 'Windows-1252', delimiter: t(DELIMITER_NAMES[preview.delimiter]) })
          : t('bulk.readText', { delimiter: t(DELIMITER_NAMES[preview.delimiter]) })}
      </p>
      {preview.problems.length > 0 ? (
        <>
          <div className="note note-danger" role="alert">
            {t('bulk.problems', { n: preview.problems.length })}
          </div>
          <table className="table compact problems" aria-label={t('bulk.problemsLabel')}>
            <thead>
              <tr>
                <th className="num" scope="col">
                  {t('column.line')}
                </th>
                <th scope="col">{t('column.problem')}</th>
              </tr>
            </thead>
            <tbody>
              {preview.problems.map((p, i) => (
                <tr key={`${p.line}-${i}`}>
                  <td className="num">{p.line}</td>
                  <td>
                    <AgentText>{p.message}</AgentText>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <div className="note note-success" role="status">
          {t('bulk.ready', { n: preview.rows })}
        </div>
      )}
      {preview.sample.length > 0 ? (
        <table className="table compact" aria-label={t('bulk.rowsLabel')}>
          <thead>
            <tr>
              <th className="num" scope="col">
                {t('column.line')}
              </th>
              <th scope="col">{t('column.order')}</th>
              <th scope="col">{t('column.changes')}</th>
              <th scope="col">{t('column.base')}</th>
            </tr>
          </thead>
          <tbody>
            {preview.sample.map((r) => (
              <tr key={r.line}>
                <td className="num">{r.line}</td>
                <td className="nowrap">
                  <span className="muted">{r.company} / </span>
                  {r.orderNumber}
                </td>
                <td>
                  {Object.entries(r.fields).map(([k, v]) => (
                    <div key={k}>
                      {k} → <FieldValueText value={v} />
                    </div>
                  ))}
                </td>
                <td>{r.base ? Object.entries(r.base).map(([k, v]) => <div key={k}>{k}: <FieldValueText value={v} /></div>) : <span className="muted">{t('detail.baseUnknown')}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {currentBase ? (
        <p className="hint hint-ok">{t('bulk.currentBaseNote')}</p>
      ) : baseless ? (
        <p className="hint hint-warning">
          {t('bulk.noBase')} {t('base.risk')}
        </p>
      ) : null}
      {preview.rows > preview.sample.length ? <p className="muted small">{t('bulk.showingFirst', { shown: preview.sample.length, rows: preview.rows })}</p> : null}
    </div>
  );
}
