import { createIntl } from 'react-intl';
import type { Language } from '../../renderer/i18n/language.ts';
import { de } from '../../renderer/i18n/messages-de.ts';
import { en } from '../../renderer/i18n/messages-en.ts';
import type { Message } from '../../renderer/i18n/use-t.ts';

/** A Message as a person with this locale reads it, through the same catalogue and Intl as the UI. */
export function reader(language: Language, locale: string): (m: Message | null) => string {
  const intl = createIntl({ locale, messages: language === 'de' ? de : en, defaultLocale: 'en', onError: (e) => {
    throw e;
  } });
  return (m) => (m ? String(intl.formatMessage({ id: m.id }, m.values)) : '');
}
