import type { Preferences } from '../../core/settings.ts';

export type LanguagePreference = Preferences['language'];

/** The languages the catalogue is complete in. */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface LocaleChoice {
  /** which catalogue the words come from */
  language: Language;
  /** a BCP 47 tag for Intl: the person's own regional variant when it is of that language (en-GB, de-AT) */
  locale: string;
}

function languageOf(tag: string): Language | null {
  const primary = tag.toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(primary ?? '') ? (primary as Language) : null;
}

/**
 * The person's language: the Settings override, else the first of the browser's (the OS's, in
 * Electron) preferred languages that we have, else English. Dates and numbers follow the
 * person's regional variant of that language, so an override to German on an en-US machine
 * formats as German and an en-GB machine gets day-first dates.
 */
export function chooseLocale(preference: LanguagePreference, preferred: readonly string[]): LocaleChoice {
  const valid = preferred.filter((tag) => {
    try {
      return Intl.getCanonicalLocales(tag).length === 1;
    } catch {
      return false;
    }
  });
  const language = preference !== 'auto' ? preference : (valid.map(languageOf).find((l) => l !== null) ?? 'en');
  const regional = valid.find((tag) => languageOf(tag) === language);
  return { language, locale: regional ?? language };
}
