import fs from 'node:fs';
import path from 'node:path';
import { createIntl } from 'react-intl';
import { parseAst } from 'vite';
import { describe, expect, it } from 'vitest';
import { HISTORY_KINDS } from '../../core/outbox/types.ts';
import { chooseLocale } from '../../renderer/i18n/language.ts';
import { de } from '../../renderer/i18n/messages-de.ts';
import { en, type MessageId } from '../../renderer/i18n/messages-en.ts';
import { parseMessage, placeholders } from './catalogue-text.ts';

const RENDERER = path.resolve(import.meta.dirname, '../../renderer');
const sources = (fs.readdirSync(RENDERER, { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f) && !f.startsWith(`i18n${path.sep}messages-`));
const read = (f: string) => fs.readFileSync(path.join(RENDERER, f), 'utf8');
const IDS = Object.keys(en) as MessageId[];

/** The same in both languages on purpose: names, and words German borrowed. */
const SAME_IN_GERMAN: MessageId[] = ['app.name', 'column.problem', 'common.details', 'conn.agentSaid', 'conn.offline', 'key.escape', 'settings.profileBc'];

describe('the message catalogue', () => {
  it('parses every message in both languages as ICU MessageFormat', () => {
    const broken: string[] = [];
    for (const [lang, cat] of [['en', en], ['de', de]] as const) {
      for (const id of IDS) {
        try {
          parseMessage(cat[id]);
        } catch (e) {
          broken.push(`${lang} ${id}: ${(e as Error).message}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('gives German the same placeholders and tags as English, for every id', () => {
    expect(Object.keys(de).sort()).toEqual([...IDS].sort());
    const differing = IDS.filter((id) => placeholders(en[id]).join() !== placeholders(de[id]).join()).map((id) => `${id}: ${placeholders(en[id])} vs ${placeholders(de[id])}`);
    expect(differing).toEqual([]);
  });

  it('translates everything except the few words German shares', () => {
    expect(IDS.filter((id) => en[id] === de[id]).sort()).toEqual([...SAME_IN_GERMAN].sort());
  });

  it('formats plurals, dates and numbers per language', () => {
    const say = (lang: 'en' | 'de', locale: string, id: MessageId, values: Record<string, unknown>) =>
      String(createIntl({ locale, messages: lang === 'en' ? en : de }).formatMessage({ id }, values as Record<string, string>));
    expect(say('en', 'en-US', 'bulk.ready', { n: 1 })).toBe('1 row is ready to queue.');
    expect(say('en', 'en-US', 'bulk.ready', { n: 1234 })).toBe('1,234 rows are ready to queue.');
    expect(say('de', 'de-DE', 'bulk.ready', { n: 1234 })).toBe('1.234 Zeilen sind bereit zum Einreihen.');
    expect(say('de', 'de-DE', 'bulk.queued', { queued: 3, merged: 1 })).toBe('3 Änderungen eingereiht, 1 davon mit einer wartenden Änderung desselben Auftrags zusammengeführt.');
    expect(say('en', 'en-US', 'form.queued', { id: 4, order: 'USMF / SO-1', merged: false, withBase: false })).toBe('Queued #4 for USMF / SO-1 without a base.');
    const until = new Date(2026, 10, 22, 20, 0, 21);
    expect(say('de', 'de-DE', 'conn.serverUntil', { until })).toBe('D365 nicht verfügbar bis 20:00:21');
    expect(say('en', 'en-US', 'conn.serverUntil', { until })).toBe('D365 unavailable until 8:00:21 PM');
  });

  it('has a label for every kind of history entry the agent records', () => {
    expect(HISTORY_KINDS.filter((k) => !(`history.${k}` in en))).toEqual([]);
  });

  it('uses every message somewhere in the UI', () => {
    const all = sources.map(read).join('\n');
    const used = (id: MessageId) => all.includes(`'${id}'`) || (id.startsWith('history.') && (HISTORY_KINDS as readonly string[]).includes(id.slice('history.'.length)));
    expect(IDS.filter((id) => !used(id))).toEqual([]);
  });
});

/** Attributes people read or hear. */
const SPOKEN = new Set(['aria-label', 'aria-description', 'title', 'placeholder', 'alt', 'label']);
/** Not words: examples of values (an order number, addresses) and the command a person types. */
const NOT_WORDS = new Set(['SO-000042', 'UTF-8', 'Windows-1252', 'https://contoso.operations.dynamics.com', 'contoso.onmicrosoft.com', 'outbox serve', '→ http://127.0.0.1:PORT/?token=…']);

/** Words written straight into JSX: text between tags, and string values of spoken attributes. */
function hardCodedWords(source: string): string[] {
  const found: string[] = [];
  const words = (text: string) => /\p{L}{2}/u.test(text) && !NOT_WORDS.has(text);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: string; value?: unknown; name?: { name?: unknown } };
    if (n.type === 'JSXText' && typeof n.value === 'string' && words(n.value.trim())) found.push(JSON.stringify(n.value.trim()));
    if (n.type === 'JSXAttribute' && typeof n.name?.name === 'string' && SPOKEN.has(n.name.name)) {
      const v = n.value as { type?: string; value?: unknown } | null;
      if (v?.type === 'Literal' && typeof v.value === 'string' && words(v.value)) found.push(`${n.name.name}=${JSON.stringify(v.value)}`);
    }
    for (const child of Object.values(node)) visit(child);
  };
  visit(parseAst(source, { lang: 'tsx' }));
  return found;
}

describe('every word on screen comes from the catalogue', () => {
  it('finds a word written into a component (the scan is not blind)', () => {
    expect(hardCodedWords('export const X = () => <button aria-label="Close" className="btn">Save {n} <b>×</b></button>;').sort()).toEqual(['"Save"', 'aria-label="Close"']);
    expect(hardCodedWords("export const Y = () => <p title={t('a.b')} placeholder=\"SO-000042\">{t('a.c')}</p>;")).toEqual([]);
  });

  it('has no text or spoken attribute written into a component', () => {
    const found = sources.filter((f) => f.endsWith('.tsx')).flatMap((f) => hardCodedWords(read(f)).map((w) => `${f}: ${w}`));
    expect(found).toEqual([]);
  });
});

describe('chooseLocale', () => {
  it('takes the first browser language we have, with its regional formats', () => {
    expect(chooseLocale('auto', ['de-AT', 'en-US'])).toEqual({ language: 'de', locale: 'de-AT' });
    expect(chooseLocale('auto', ['fr-FR', 'en-GB', 'de'])).toEqual({ language: 'en', locale: 'en-GB' });
    expect(chooseLocale('auto', ['fr-FR'])).toEqual({ language: 'en', locale: 'en' });
    expect(chooseLocale('auto', [])).toEqual({ language: 'en', locale: 'en' });
  });

  it('lets the Settings override win, keeping the regional variant when there is one', () => {
    expect(chooseLocale('de', ['en-US'])).toEqual({ language: 'de', locale: 'de' });
    expect(chooseLocale('en', ['de-CH', 'en-GB'])).toEqual({ language: 'en', locale: 'en-GB' });
  });

  it('ignores tags Intl would refuse', () => {
    expect(chooseLocale('auto', ['not a tag!', 'de-DE'])).toEqual({ language: 'de', locale: 'de-DE' });
  });
});
