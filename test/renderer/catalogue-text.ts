import { TYPE, parse, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';

/** Parsed the way react-intl parses it (rich-text tags on), so a message that fails here fails on screen. */
export function parseMessage(message: string): MessageFormatElement[] {
  return parse(message, { ignoreTag: false });
}

function walk(elements: MessageFormatElement[], visit: (e: MessageFormatElement) => void): void {
  for (const e of elements) {
    visit(e);
    if (e.type === TYPE.select || e.type === TYPE.plural) for (const o of Object.values(e.options)) walk(o.value, visit);
    if (e.type === TYPE.tag) walk(e.children, visit);
  }
}

/** The argument and tag names a message uses: a translation must use the same. */
export function placeholders(message: string): string[] {
  const names = new Set<string>();
  walk(parseMessage(message), (e) => {
    if (e.type !== TYPE.literal && e.type !== TYPE.pound) names.add(`${e.type === TYPE.tag ? '<>' : ''}${e.value}`);
  });
  return [...names].sort();
}

/**
 * The words of a message a person sees whatever the arguments are: its literal runs, each
 * trimmed of spaces and punctuation at the ends, keeping those with at least two letters.
 */
export function literalPieces(message: string): string[] {
  const pieces: string[] = [];
  walk(parseMessage(message), (e) => {
    if (e.type !== TYPE.literal) return;
    const piece = e.value.replace(/^[\s.,:;·—–()+…“”„"/-]+|[\s.,:;·—–()+…“”„"/-]+$/gu, '');
    if (/\p{L}.*\p{L}/u.test(piece)) pieces.push(piece);
  });
  return pieces;
}

/** `piece` as a whole phrase in `text`: not inside a longer word. */
export function containsPhrase(text: string, piece: string): boolean {
  const escaped = piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u').test(text);
}
