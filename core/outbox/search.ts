/**
 * Queue search: a term found anywhere in an update's order number or in one of its values,
 * in any case ("so-1150", "119999", "müller"). The text searched and its trigram index are
 * kept by the triggers of migration 3 (search_text, search_index).
 *
 * Every query first collects up to MATCH_CAP + 1 matching ids — from the trigram index, or
 * for a term shorter than a trigram by testing each row's text — and then:
 * - few matches (at most MATCH_CAP): fetches those rows by id and sorts them;
 * - many: walks the queue newest first, testing each row's text, and stops when the page is
 *   full (with many matches that is soon).
 */
import type { Database } from 'better-sqlite3';
import type { UpdateState } from './types.ts';

/** Trigrams need three characters; shorter terms are tested row by row. */
export const MIN_INDEXED_LENGTH = 3;

/** Matches are counted up to this many; beyond it the count says "more than". */
export const MATCH_CAP = 1000;

/** A state this small is counted by walking its rows; a larger one by walking the matches. */
const SMALL_STATE = 50_000;

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

/** Letters outside ASCII that have another case: LIKE compares those exactly. */
function hasOtherCase(ch: string): boolean {
  return ch.charCodeAt(0) > 0x7f && (ch.toLowerCase() !== ch || ch.toUpperCase() !== ch);
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

/**
 * The row-by-row test of "text contains the term, any case". LIKE folds ASCII case and is
 * fast; a letter such as ü that LIKE would compare exactly stands as `_` there, and the slower
 * GLOB of its cases then runs only on the rows LIKE let through.
 */
export function containsTest(column: string, term: string): { sql: string; like: string; glob: string | null } {
  let like = '%';
  let other = false;
  for (const ch of term) {
    if (hasOtherCase(ch)) {
      like += '_';
      other = true;
    } else like += ch === '%' || ch === '_' || ch === '\\' ? `\\${ch}` : ch;
  }
  like += '%';
  const sql = `${column} LIKE @like ESCAPE '\\'` + (other ? ` AND ${column} GLOB @glob` : '');
  return { sql, like, glob: other ? containsGlob(term) : null };
}

/** Rows of `updates` (SELECT u.*) for one page, newest change first, and the count of matches on a first page. */
export function searchUpdates(db: Database, q: SearchQuery): { rows: unknown[]; matches: MatchCount | null } {
  const test = containsTest('t.text', q.term);
  const params: Record<string, unknown> = { limit: q.limit + 1, like: test.like };
  if (test.glob) params.glob = test.glob;
  if (q.state) params.state = q.state;
  if (q.after) Object.assign(params, { afterAt: q.after.updatedAt, afterId: q.after.id });
  const cursor = q.after ? ' AND (u.updated_at < @afterAt OR (u.updated_at = @afterAt AND u.id < @afterId))' : '';
  const indexed = [...q.term].length >= MIN_INDEXED_LENGTH;
  if (indexed) params.phrase = ftsPhrase(q.term);
  const firstPage = q.after === undefined;
  const capped = (n: number): MatchCount => (n > MATCH_CAP ? { count: MATCH_CAP, more: true } : { count: n, more: false });
  const count = (sql: string) => (db.prepare(sql).get(params) as { n: number }).n;

  // Up to MATCH_CAP + 1 matching ids: whether there are few, and which.
  const matching = indexed
    ? `SELECT rowid AS id FROM search_index WHERE search_index MATCH @phrase`
    : `SELECT t.id FROM search_text AS t WHERE ${test.sql}`;
  const ids = (db.prepare(`${matching} LIMIT ${MATCH_CAP + 1}`).all(params) as { id: number }[]).map((r) => r.id);

  if (ids.length <= MATCH_CAP) {
    // Few: fetch them by id (never by the state index: `+`), sort at most MATCH_CAP rows.
    params.ids = JSON.stringify(ids);
    const few = `FROM updates AS u WHERE u.id IN (SELECT value FROM json_each(@ids))${q.state ? ' AND +u.state = @state' : ''}`;
    const rows = db.prepare(`SELECT u.* ${few}${cursor} ORDER BY u.updated_at DESC, u.id DESC LIMIT @limit`).all(params);
    return { rows, matches: firstPage ? capped(q.state ? count(`SELECT count(*) AS n ${few}`) : ids.length) : null };
  }

  // Many: newest first, each row's text tested, until the page is full. CROSS JOIN keeps the
  // queue's time order (or the state's) as the outer loop.
  const walk = `FROM updates AS u CROSS JOIN search_text AS t ON t.id = u.id WHERE ${test.sql}${q.state ? ' AND u.state = @state' : ''}`;
  const rows = db.prepare(`SELECT u.* ${walk}${cursor} ORDER BY u.updated_at DESC, u.id DESC LIMIT @limit`).all(params);
  if (!firstPage) return { rows, matches: null };
  if (!q.state) return { rows, matches: capped(ids.length) };
  // Within a state: walk a small state's rows, or a large state's matches, to MATCH_CAP + 1.
  const inState = (db.prepare('SELECT n FROM state_counts WHERE state = @state').get(params) as { n: number } | undefined)?.n ?? 0;
  const sql =
    inState <= SMALL_STATE
      ? `SELECT count(*) AS n FROM (SELECT 1 ${walk} LIMIT ${MATCH_CAP + 1})`
      : `SELECT count(*) AS n FROM (SELECT 1 FROM (${matching}) AS m CROSS JOIN updates AS u ON u.id = m.id WHERE u.state = @state LIMIT ${MATCH_CAP + 1})`;
  return { rows, matches: capped(count(sql)) };
}
