import type { ConflictRecord } from '../../core/conflicts/conflict-log.ts';
import { FieldValueText } from '../common/FieldValueText.tsx';
import { useFormat } from '../i18n/use-format.ts';
import type { MessageId } from '../i18n/messages-en.ts';
import { useT } from '../i18n/use-t.ts';

/** The codes the outbox records; an unknown one is shown as recorded. */
const RESOLUTION_LABELS: Record<string, MessageId> = {
  'keep-mine': 'resolution.keepMine',
  'take-theirs': 'resolution.takeTheirs',
  edited: 'resolution.edited',
  'policy-ours': 'resolution.policyOurs',
  'policy-theirs': 'resolution.policyTheirs',
};

export function ConflictTable({ records }: { records: ConflictRecord[] }) {
  const t = useT();
  const fmt = useFormat();
  return (
    <table className="table compact conflict-table" aria-label={t('nav.log')}>
      <thead>
        <tr>
          <th scope="col">{t('column.detected')}</th>
          <th scope="col">{t('column.order')}</th>
          <th scope="col">{t('column.field')}</th>
          <th scope="col">{t('column.base')}</th>
          <th scope="col">{t('column.ours')}</th>
          <th scope="col">{t('column.theirs')}</th>
          <th scope="col">{t('column.resolution')}</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => {
          const label = r.resolution ? RESOLUTION_LABELS[r.resolution] : undefined;
          return (
            <tr key={r.id}>
              <td className="nowrap muted">{fmt.dateTime(r.detectedAt)}</td>
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
                  <span>
                    {label ? t(label) : r.resolution}
                    {r.resolvedAt ? (
                      <span className="muted small resolved-by">
                        {' '}
                        {t('log.resolvedBy', { when: fmt.dateTime(r.resolvedAt), who: r.resolvedBy ?? '?' })}
                      </span>
                    ) : null}
                  </span>
                ) : (
                  <a className="badge badge-conflict" href={`#/conflicts/${r.updateId}`}>
                    {t('log.open')}
                  </a>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
