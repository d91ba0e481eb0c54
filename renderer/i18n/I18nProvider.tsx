import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { IntlProvider } from 'react-intl';
import { useApi } from '../app/api-context.tsx';
import { chooseLocale, type Language, type LanguagePreference } from './language.ts';
import { de } from './messages-de.ts';
import { en, type Catalogue } from './messages-en.ts';

const CATALOGUES: Record<Language, Catalogue> = { en, de };

function browserLanguages(): readonly string[] {
  return typeof navigator === 'undefined' ? [] : navigator.languages?.length ? navigator.languages : [navigator.language];
}

/** The browser's preferred languages, following changes made while the page is open. */
function useBrowserLanguages(): readonly string[] {
  const [languages, setLanguages] = useState(browserLanguages);
  useEffect(() => {
    const onChange = () => setLanguages(browserLanguages());
    window.addEventListener('languagechange', onChange);
    return () => window.removeEventListener('languagechange', onChange);
  }, []);
  return languages;
}

/** Words from the catalogue of the chosen language; dates and numbers through Intl in its locale. */
export function I18nProvider({ preference, languages, children }: { preference: LanguagePreference; languages?: readonly string[]; children: ReactNode }) {
  const fromBrowser = useBrowserLanguages();
  const { language, locale } = chooseLocale(preference, languages ?? fromBrowser);
  useEffect(() => {
    // Screen readers pick their voice from it, and :lang() hyphenation follows it.
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <IntlProvider locale={locale} messages={CATALOGUES[language]} defaultLocale="en">
      {children}
    </IntlProvider>
  );
}

interface PreferenceView {
  preference: LanguagePreference;
  setPreference(p: LanguagePreference): void;
}

const PreferenceContext = createContext<PreferenceView>({ preference: 'auto', setPreference: () => {} });

/**
 * The language preference kept in the agent's settings, so the tray app and every browser tab
 * agree. Until it has loaded (or when the agent refuses us) the browser's languages decide.
 */
export function LanguageFromSettings({ children }: { children: ReactNode }) {
  const api = useApi();
  const [preference, setPreference] = useState<LanguagePreference>('auto');
  useEffect(() => {
    let live = true;
    api
      .getSettings({})
      .then((s) => {
        if (live) setPreference(s.preferences.language);
      })
      .catch(() => {
        // Unreachable or no token: the browser's language is the best guess.
      });
    return () => {
      live = false;
    };
  }, [api]);
  return (
    <PreferenceContext.Provider value={{ preference, setPreference }}>
      <I18nProvider preference={preference}>{children}</I18nProvider>
    </PreferenceContext.Provider>
  );
}

export function useLanguagePreference(): PreferenceView {
  return useContext(PreferenceContext);
}
