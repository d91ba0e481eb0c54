/**
 * Queue search: a term found anywhere in an update's order number or in one of its values,
 * in any case ("so-1150", "119999", "müller"). The text searched and its trigram index are
 * kept by the triggers of migration 3 (search_text, search_index).
 *
 * Two ways to answer, picked per query so a million queued stays fast:
 * - few matches (at most MATCH_CAP, counted on the index): fetch those rows, sort them;
 * - many matches, or a term too short for trigrams: walk the queue newest first and test each
 *   row's text, stopping when the page is full (many matches fill it quickly).
 */
import type { Database } from 'better-sqlite3';
import type { UpdateState } from './types.ts';

/** Trigrams need three characters; shorter terms are tested row by row. */
export const MIN_INDEXED_LENGTH = 3;

/** Matches are counted up to this many; beyond it the count says "more than". */
export const MATCH_CAP = 1000;

export interface MatchCount {
  count: number;
  /** more than `count` match (counting stopped at MATCH_CAP) */
  more: boolean;
}

export interface SearchQuery {
  /** a term from normaliseSearch, not empty */
  term: string;
  state?: UpdateState;
  limit: number;
  after?: { updatedAt: number; id: number };
}

/**
 * The term as searched: control characters (a scanner's CR, LF or TAB) dropped, ends trimmed.
 * Empty means no search.
 */
export function normaliseSearch(text: string | undefined): string {
  return (text ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
}

/** An FTS5 string: the whole term as one phrase, so its characters are never query syntax. */
export function ftsPhrase(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

/**
 * A GLOB pattern matching text that contains the term in any case. GLOB compares code points,
 * so each letter becomes a class of its cases ([mM][üÜ]…), and GLOB's own characters are
 * written as one-character classes.
 */
export function containsGlob(term: string): string {
  let pattern = '*';
  for (const ch of term) {
    const cases = new Set([ch, ch.toLowerCase(), ch.toUpperCase()].filter((c) => [...c].length === 1));
    if (cases.size > 1) pattern += `[${[...cases].join('')}]`;
    else pattern += ch === '*' || ch === '?' || ch === '[' ? `[${ch}]` : ch;
  }
  return pattern + '*';
}

/** Rows of `updates` (SELECT u.*) for one page, newest change first, and the count of matches on a first page. */
export function searchUpdates(db: Database, q: SearchQuery): { rows: unknown[]; matches: MatchCount | null } {
  const params: Record<string, unknown> = { limit: q.limit + 1, phrase: ftsPhrase(q.term), glob: containsGlob(q.term) };
  if (q.state) params.state = q.state;
  if (q.after) Object.assign(params, { afterAt: q.after.updatedAt, afterId: q.after.id });
  // byIndex: whether the state may pick the state/time index (the walk) or must not (few matches by id)
  const and = (byIndex: boolean) =>
    (q.state ? ` AND ${byIndex ? '' : '+'}u.state = @state` : '') +
    (q.after ? ' AND (u.updated_at < @afterAt OR (u.updated_at = @afterAt AND u.id < @afterId))' : '');
  const firstPage = q.after === undefined;
  const capped = (n: number): MatchCount => (n > MATCH_CAP ? { count: MATCH_CAP, more: true } : { count: n, more: false });

  const indexed = [...q.term].length >= MIN_INDEXED_LENGTH;
  const onIndex = indexed
    ? (db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM search_index WHERE search_index MATCH @phrase LIMIT ${MATCH_CAP + 1})`).get(params) as { n: number }).n
    : Infinity;

  if (onIndex <= MATCH_CAP) {
    // Few: the index names them; sorting at most MATCH_CAP rows is cheap.
    const matched = `u.id IN (SELECT rowid FROM search_index WHERE search_index MATCH @phrase)`;
    const rows = db.prepare(`SELECT u.* FROM updates AS u WHERE ${matched}${and(false)} ORDER BY u.updated_at DESC, u.id DESC LIMIT @limit`).all(params);
    let matches: MatchCount | null = null;
    if (firstPage) {
      matches = q.state
        ? capped((db.prepare(`SELECT count(*) AS n FROM updates AS u WHERE ${matched} AND +u.state = @state`).get(params) as { n: number }).n)
        : capped(onIndex);
    }
    return { rows, matches };
  }

  // Many (or a short term): newest first, each row's text tested, until the page is full.
  // CROSS JOIN keeps the queue's time order as the outer loop.
  const walk = `FROM updates AS u CROSS JOIN search_text AS t ON t.id = u.id WHERE t.text GLOB @glob`;
  const rows = db.prepare(`SELECT u.* ${walk}${and(true)} ORDER BY u.updated_at DESC, u.id DESC LIMIT @limit`).all(params);
  let matches: MatchCount | null = null;
  if (firstPage) {
    if (indexed && !q.state) matches = { count: MATCH_CAP, more: true };
    else if (q.state) matches = capped((db.prepare(`SELECT count(*) AS n FROM (SELECT 1 ${walk} AND u.state = @state LIMIT ${MATCH_CAP + 1})`).get(params) as { n: number }).n);
    else matches = capped((db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM search_text WHERE text GLOB @glob LIMIT ${MATCH_CAP + 1})`).get(params) as { n: number }).n);
  }
  return { rows, matches };
}
