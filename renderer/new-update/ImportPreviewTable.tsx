import type { ImportPreview } from '../../core/api.ts';
import { FieldValueText } from '../common/FieldValueText.tsx';

export function ImportPreviewTable({ preview }: { preview: ImportPreview }) {
  return (
    <div className="import-preview">
      {preview.problems.length > 0 ? (
        <>
          <div className="note note-danger" role="alert">
            {preview.problems.length} row(s) need fixing before anything is queued.
          </div>
          <table className="table compact problems" aria-label="Import problems">
            <thead>
              <tr>
                <th className="num">Line</th>
                <th>Problem</th>
              </tr>
            </thead>
            <tbody>
              {preview.problems.map((p, i) => (
                <tr key={`${p.line}-${i}`}>
                  <td className="num">{p.line}</td>
                  <td>{p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <div className="note note-success" role="status">
          {preview.rows.toLocaleString()} row(s) ready to queue.
        </div>
      )}
      {preview.sample.length > 0 ? (
        <table className="table compact" aria-label="Rows to queue">
          <thead>
            <tr>
              <th className="num">Line</th>
              <th>Order</th>
              <th>Changes</th>
              <th>Base</th>
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
                <td>{r.base ? Object.entries(r.base).map(([k, v]) => <div key={k}>{k}: <FieldValueText value={v} /></div>) : <span className="muted">unknown</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {preview.rows > preview.sample.length ? <p className="muted small">Showing the first {preview.sample.length} of {preview.rows.toLocaleString()} rows.</p> : null}
    </div>
  );
}
