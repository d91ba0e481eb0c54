import type { ConflictRecord } from '../../core/conflicts/conflict-log.ts';
import { FieldValueText } from '../common/FieldValueText.tsx';
import { formatDateTime } from '../format.ts';

export function ConflictTable({ records }: { records: ConflictRecord[] }) {
  return (
    <table className="table compact" aria-label="Conflict log">
      <thead>
        <tr>
          <th>Detected</th>
          <th>Order</th>
          <th>Field</th>
          <th>Base</th>
          <th>Ours</th>
          <th>Theirs</th>
          <th>Resolution</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => (
          <tr key={r.id}>
            <td className="nowrap muted">{formatDateTime(r.detectedAt)}</td>
            <td className="nowrap">
              <span className="muted">{r.company} / </span>
              {r.orderNumber}
            </td>
            <td>{r.field}</td>
            <td>
              <FieldValueText value={r.base} />
            </td>
            <td>
              <FieldValueText value={r.ours} />
            </td>
            <td>
              <FieldValueText value={r.theirs} />
            </td>
            <td>
              {r.resolution ? (
                <span title={r.resolvedAt ? `${formatDateTime(r.resolvedAt)} by ${r.resolvedBy ?? '?'}` : undefined}>{r.resolution}</span>
              ) : (
                <a className="badge badge-conflict" href={`#/conflicts/${r.updateId}`}>
                  open
                </a>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
