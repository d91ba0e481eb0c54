import type { ReactNode } from 'react';
import type { AgentApi } from '../../core/api.ts';
import { ApiProvider } from '../../renderer/app/api-context.tsx';
import { I18nProvider } from '../../renderer/i18n/I18nProvider.tsx';
import type { LanguagePreference } from '../../renderer/i18n/language.ts';

/** What the App puts around every screen: the agent, and the catalogue (English on an en-US machine unless told). */
export function TestProviders({ api, language = 'auto', browser = ['en-US'], children }: { api: AgentApi; language?: LanguagePreference; browser?: string[]; children: ReactNode }) {
  return (
    <ApiProvider api={api}>
      <I18nProvider preference={language} languages={browser}>
        {children}
      </I18nProvider>
    </ApiProvider>
  );
}
