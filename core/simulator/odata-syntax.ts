/**
 * The bits of OData URL syntax the simulator must read the way D365 does: path segments whose
 * key predicates hold quoted string literals ('O''Brien', values with commas, parentheses and
 * slashes), and the `Property eq literal and …` filters clients use to look an order up.
 */

export type ODataLiteral =
  | { kind: 'string'; value: string }
  | { kind: 'guid'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

export class ODataSyntaxError extends Error {
  override readonly name = 'ODataSyntaxError';
}

type Token =
  | { t: 'ident'; v: string; at: number }
  | { t: 'literal'; v: ODataLiteral; at: number }
  | { t: 'punct'; v: '(' | ')' | ',' | '='; at: number };

// sticky: each is tried where the tokenizer stands, without copying the rest of the text
const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z_-])/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_$][A-Za-z0-9_.$-]*/y;

function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '=') {
      tokens.push({ t: 'punct', v: c, at: i });
      i++;
      continue;
    }
    if (c === "'") {
      const start = i;
      let value = '';
      for (;;) {
        const close = text.indexOf("'", i + 1);
        if (close < 0) throw new ODataSyntaxError(`Unterminated string literal at position ${start} in '${text}'.`);
        value += text.slice(i + 1, close);
        i = close + 1;
        // '' inside a literal is one quote
        if (text[i] !== "'") break;
        value += "'";
      }
      tokens.push({ t: 'literal', v: { kind: 'string', value }, at: start });
      continue;
    }
    // a GUID may start with a digit or a letter, so it must be tried before numbers and names
    const guid = matchAt(GUID, text, i);
    if (guid) {
      tokens.push({ t: 'literal', v: { kind: 'guid', value: guid.toLowerCase() }, at: i });
      i += guid.length;
      continue;
    }
    const num = matchAt(NUMBER, text, i);
    if (num) {
      tokens.push({ t: 'literal', v: { kind: 'number', value: Number(num) }, at: i });
      i += num.length;
      continue;
    }
    const word = matchAt(IDENT, text, i);
    if (word) {
      if (word === 'true' || word === 'false') tokens.push({ t: 'literal', v: { kind: 'boolean', value: word === 'true' }, at: i });
      else if (word === 'null') tokens.push({ t: 'literal', v: { kind: 'null' }, at: i });
      else tokens.push({ t: 'ident', v: word, at: i });
      i += word.length;
      continue;
    }
    throw new ODataSyntaxError(`Syntax error at position ${i} in '${text}'.`);
  }
  return tokens;
}

/**
 * Splits a decoded path on '/' outside string literals, so that 'SO/1' inside a key
 * predicate stays one segment whether or not the client percent-encoded the slash.
 */
export function splitPath(path: string): string[] {
  const segments: string[] = [];
  let start = 0;
  let at = 0;
  for (;;) {
    const slash = path.indexOf('/', at);
    const quote = path.indexOf("'", at);
    if (quote >= 0 && (slash < 0 || quote < slash)) {
      // a literal: its slashes are not separators (an unterminated one runs to the end)
      const close = path.indexOf("'", quote + 1);
      if (close < 0) break;
      at = close + 1;
      continue;
    }
    if (slash < 0) break;
    segments.push(path.slice(start, slash));
    start = at = slash + 1;
  }
  segments.push(path.slice(start));
  return segments;
}

export interface PathSegment {
  name: string;
  /** text between the parentheses, undefined when the segment has none */
  predicate: string | undefined;
}

export function parseSegment(segment: string): PathSegment {
  const open = segment.indexOf('(');
  if (open < 0) return { name: segment, predicate: undefined };
  if (!segment.endsWith(')')) throw new ODataSyntaxError(`Bad Request - Error in query syntax: '${segment}'.`);
  return { name: segment.slice(0, open), predicate: segment.slice(open + 1, -1) };
}

export interface KeyPredicate {
  /** `(value)`: a single unnamed key */
  single: ODataLiteral | undefined;
  /** `(a=value,b=value)` */
  named: Map<string, ODataLiteral>;
}

export function parseKeyPredicate(text: string): KeyPredicate {
  const tokens = tokenize(text);
  const named = new Map<string, ODataLiteral>();
  if (tokens.length === 1 && tokens[0]?.t === 'literal') return { single: tokens[0].v, named };
  let i = 0;
  while (i < tokens.length) {
    const name = tokens[i];
    const eq = tokens[i + 1];
    const value = tokens[i + 2];
    if (name?.t !== 'ident' || eq?.t !== 'punct' || eq.v !== '=' || value?.t !== 'literal') {
      throw new ODataSyntaxError(`Bad Request - Error in query syntax: key predicate '(${text})' is malformed.`);
    }
    if (named.has(name.v)) throw new ODataSyntaxError(`Duplicate key property '${name.v}' in '(${text})'.`);
    named.set(name.v, value.v);
    i += 3;
    if (i === tokens.length) break;
    const comma = tokens[i];
    if (comma?.t !== 'punct' || comma.v !== ',' || i + 1 === tokens.length) {
      throw new ODataSyntaxError(`Bad Request - Error in query syntax: key predicate '(${text})' is malformed.`);
    }
    i++;
  }
  if (named.size === 0) throw new ODataSyntaxError(`Bad Request - Error in query syntax: empty key predicate.`);
  return { single: undefined, named };
}

export interface EqualityClause {
  property: string;
  value: ODataLiteral;
}

/**
 * `a eq 'x' and b eq 3`. D365 understands far more; clients of the simulator only need
 * equality lookups, and anything else is refused loudly rather than half understood.
 */
export function parseEqualityFilter(text: string): EqualityClause[] {
  const tokens = tokenize(text);
  const clauses: EqualityClause[] = [];
  let i = 0;
  // tolerate one pair of parentheses around each clause: (number eq 'x') and (…)
  while (i < tokens.length) {
    let open = false;
    const first = tokens[i];
    if (first?.t === 'punct' && first.v === '(') {
      open = true;
      i++;
    }
    const property = tokens[i];
    const op = tokens[i + 1];
    const value = tokens[i + 2];
    if (property?.t !== 'ident' || op?.t !== 'ident' || op.v !== 'eq' || value?.t !== 'literal') {
      throw new ODataSyntaxError(`The simulator understands only "Property eq literal" clauses joined by "and" in $filter: '${text}'.`);
    }
    clauses.push({ property: property.v, value: value.v });
    i += 3;
    if (open) {
      const close = tokens[i];
      if (close?.t !== 'punct' || close.v !== ')') throw new ODataSyntaxError(`Unbalanced parentheses in $filter: '${text}'.`);
      i++;
    }
    if (i === tokens.length) break;
    const and = tokens[i];
    if (and?.t !== 'ident' || and.v !== 'and' || i + 1 === tokens.length) {
      throw new ODataSyntaxError(`The simulator understands only "Property eq literal" clauses joined by "and" in $filter: '${text}'.`);
    }
    i++;
  }
  return clauses;
}

/** An OData string literal, quotes doubled (not URL-encoded). */
export function formatStringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
