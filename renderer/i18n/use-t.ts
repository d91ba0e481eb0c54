import { useMemo, type ReactNode } from 'react';
import { useIntl } from 'react-intl';
import type { MessageId } from './messages-en.ts';

export type MessageValues = Record<string, string | number | Date | boolean | null | undefined>;
export type RichValues = Record<string, ReactNode | Date | ((chunks: ReactNode[]) => ReactNode)>;

/** A message to show later, e.g. returned by a pure function that must not depend on React. */
export interface Message {
  id: MessageId;
  values?: MessageValues;
}

export interface Translate {
  (id: MessageId, values?: MessageValues): string;
  /** a message with markup: `<link>See the queue</link>` gets values `{ link: (chunks) => <a…>{chunks}</a> }` */
  rich(id: MessageId, values: RichValues): ReactNode;
  msg(m: Message): string;
}

/** The one way components get words: `t('queue.title')`. Ids are checked against the English catalogue by tsc. */
export function useT(): Translate {
  const intl = useIntl();
  return useMemo(() => {
    const format = intl.formatMessage as (d: { id: string }, v?: unknown) => unknown;
    const t = ((id: MessageId, values?: MessageValues) => String(format({ id }, values))) as Translate;
    t.rich = (id, values) => format({ id }, values) as ReactNode;
    t.msg = (m) => t(m.id, m.values);
    return t;
  }, [intl]);
}
