/**
 * Values checked against the entity's `$metadata` when they are queued, so that what D365 would
 * refuse hours later is refused now, to the person who typed it, in words they can act on.
 *
 * Text and typed values: the CLI and CSV can only give text, and the form sends what was typed.
 * So text is read by the field's type: `true`/`false` becomes a boolean for an Edm.Boolean,
 * `12.5` a number for an Edm.Decimal. A value that arrives typed (a JSON number or boolean from
 * a program) is never turned into text: a number for a text field is a mistake to report, not
 * to guess around (`10` and `"010"` are different delivery modes).
 */
import type { Fields, FieldValue } from '../outbox/types.ts';
import type { EdmProperty, EntityModel } from './edm.ts';

export type Typed = { ok: true; value: FieldValue } | { ok: false; problem: string };

/** How a value is shown in a message: text quoted, long text cut. */
function shown(value: FieldValue): string {
  if (typeof value !== 'string') return value === null ? 'null' : `${typeof value === 'number' ? 'the number' : 'the boolean'} ${String(value)}`;
  const chars = [...value];
  const cut = chars.length > 60 ? `${chars.slice(0, 57).join('')}…` : value;
  return `'${cut}'`;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(Z|[+-](\d{2}):(\d{2}))$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL_TEXT = /^[+-]?(\d+)(?:\.(\d+))?$/;
const FLOAT_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

const INTEGERS: Record<string, { min: number; max: number }> = {
  'Edm.Byte': { min: 0, max: 255 },
  'Edm.SByte': { min: -128, max: 127 },
  'Edm.Int16': { min: -32768, max: 32767 },
  'Edm.Int32': { min: -2147483648, max: 2147483647 },
  // beyond 2^53 a JSON number is not sent exactly
  'Edm.Int64': { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
};

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Why y-m-d is not a day of the calendar, or null when it is. */
function calendarProblem(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12) return `there is no month ${m}`;
  if (d < 1 || d > daysIn(y, m)) return `${new Date(Date.UTC(2000, m - 1, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' })} ${y} has no day ${d}`;
  return null;
}

/** A number written in decimal without an exponent, for counting digits. */
function plainDigits(n: number): string {
  return Math.abs(n).toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

function typeProblem(p: EdmProperty, expected: string, value: FieldValue, hint = ''): Typed {
  return { ok: false, problem: `${p.name} must be ${expected} — got ${shown(value)}${hint}` };
}

/** The members of an enum (or allowed values) as listed in a message. */
function membersList(p: EdmProperty): string {
  return (p.members ?? []).join(', ');
}

function member(p: EdmProperty, value: FieldValue): Typed {
  const members = p.members ?? [];
  const refuse = (): Typed => ({ ok: false, problem: `${p.name} must be one of: ${membersList(p)} — got ${shown(value)}` });
  if (typeof value !== 'string') return refuse();
  const one = (v: string): string | null => {
    if (members.includes(v)) return v;
    // "delivered" is Delivered: case carries no meaning in a status, and the member is what D365 takes
    const same = members.filter((m) => m.toLowerCase() === v.toLowerCase());
    return same.length === 1 ? same[0]! : null;
  };
  const parts = p.flags ? value.split(',').map((s) => s.trim()) : [value.trim()];
  const resolved = parts.map(one);
  if (resolved.some((r) => r === null)) return refuse();
  return { ok: true, value: resolved.join(',') };
}

function decimal(p: EdmProperty, value: FieldValue): Typed {
  const expected = (): string => {
    const limits: string[] = [];
    if (p.precision !== undefined && p.scale !== undefined) limits.push(`at most ${p.precision} digits, ${p.scale} of them after the decimal point`);
    else if (p.precision !== undefined) limits.push(`at most ${p.precision} digits`);
    else if (p.scale !== undefined) limits.push(`at most ${p.scale} digits after the decimal point`);
    return `a number (Edm.Decimal)${limits.length ? ` with ${limits[0]}` : ''}`;
  };
  let whole: string;
  let fraction: string;
  let n: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return typeProblem(p, expected(), value);
    const [w, f = ''] = plainDigits(value).split('.');
    whole = w!;
    fraction = f;
    n = value;
  } else if (typeof value === 'string') {
    const m = DECIMAL_TEXT.exec(value.trim());
    if (!m) return typeProblem(p, expected(), value, /^[+-]?\d+,\d+$/.test(value.trim()) ? " (write the decimal point as '.')" : '');
    whole = m[1]!.replace(/^0+(?=\d)/, '');
    fraction = (m[2] ?? '').replace(/0+$/, '');
    n = Number(value.trim());
    if (`${whole}${fraction}`.replace(/^0+/, '').length > 15) return typeProblem(p, expected(), value, ' (more digits than can be sent exactly)');
  } else return typeProblem(p, expected(), value);
  const wholeDigits = whole === '0' ? 0 : whole.length;
  if (p.scale !== undefined && fraction.length > p.scale) return typeProblem(p, expected(), value);
  // Decimal(5,2) holds 999.99: the scale's digits are reserved even where a value does not use them
  if (p.precision !== undefined && wholeDigits + (p.scale ?? fraction.length) > p.precision) return typeProblem(p, expected(), value);
  return { ok: true, value: n };
}

/** One value of one property: the value to queue (text read as the type), or what is wrong with it. */
export function typeValue(p: EdmProperty, value: FieldValue): Typed {
  if (value === null) return p.nullable ? { ok: true, value } : { ok: false, problem: `${p.name} cannot be empty (D365 declares it not nullable) — got null` };
  if (p.members && p.members.length > 0 && !p.type.startsWith('Edm.')) return member(p, value);
  const integer = INTEGERS[p.type];
  if (integer) {
    const expected = `a whole number (${p.type}) from ${integer.min} to ${integer.max}`;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < integer.min || n > integer.max) return typeProblem(p, expected, value);
    return { ok: true, value: n };
  }
  switch (p.type) {
    case 'Edm.String': {
      if (typeof value !== 'string') return typeProblem(p, 'text (Edm.String)', value, typeof value === 'number' ? `; send it as text, e.g. "${String(value)}"` : '');
      if (p.members && p.members.length > 0) {
        const m = member(p, value);
        if (!m.ok) return m;
        value = m.value as string;
      }
      const length = [...value].length;
      if (p.maxLength !== undefined && length > p.maxLength) {
        return { ok: false, problem: `${p.name} must be at most ${p.maxLength} characters long (Edm.String, MaxLength ${p.maxLength}) — got ${length} characters: ${shown(value)}` };
      }
      return { ok: true, value };
    }
    case 'Edm.Boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const t = typeof value === 'string' ? value.trim().toLowerCase() : '';
      if (t === 'true' || t === 'false') return { ok: true, value: t === 'true' };
      return typeProblem(p, 'true or false (Edm.Boolean)', value);
    }
    case 'Edm.Decimal':
      return decimal(p, value);
    case 'Edm.Double':
    case 'Edm.Single': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && FLOAT_TEXT.test(value.trim()) ? Number(value.trim()) : NaN;
      if (!Number.isFinite(n)) return typeProblem(p, `a number (${p.type})`, value);
      return { ok: true, value: n };
    }
    case 'Edm.Date': {
      const expected = 'a date (Edm.Date) written YYYY-MM-DD, e.g. 2027-02-03';
      if (typeof value !== 'string') return typeProblem(p, expected, value);
      const t = value.trim();
      const m = DATE.exec(t);
      if (!m) return typeProblem(p, expected, value, DATE_TIME_OFFSET.test(t) ? ' (a date and time; this field holds only the date)' : '');
      const wrong = calendarProblem(Number(m[1]), Number(m[2]), Number(m[3]));
      if (wrong) return typeProblem(p, expected, value, ` (${wrong})`);
      return { ok: true, value: t };
    }
    case 'Edm.DateTimeOffset': {
      const expected = 'a date and time with its offset from UTC (Edm.DateTimeOffset), e.g. 2027-02-03T12:00:00Z';
      if (typeof value !== 'string') return typeProblem(p, expected, value);
      const t = value.trim();
      const m = DATE_TIME_OFFSET.exec(t);
      if (!m) return typeProblem(p, expected, value, DATE.test(t) ? ' (a date without a time and offset)' : '');
      const wrong =
        calendarProblem(Number(m[1]), Number(m[2]), Number(m[3])) ??
        (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59 ? 'there is no such time of day' : null) ??
        (m[9] !== undefined && (Number(m[9]) > 14 || Number(m[10]) > 59) ? 'there is no such offset from UTC' : null);
      if (wrong) return typeProblem(p, expected, value, ` (${wrong})`);
      return { ok: true, value: t };
    }
    case 'Edm.Guid':
      if (typeof value !== 'string' || !GUID.test(value.trim())) return typeProblem(p, 'a GUID (Edm.Guid) like 0f8fad5b-d9cb-469f-a165-70867728950e', value);
      return { ok: true, value: value.trim() };
    default:
      // Types the agent cannot judge (a structured type, a stream, a geography…): D365 will.
      if (p.type.startsWith('Collection(')) return { ok: false, problem: `${p.name} holds a list (${p.type}); it cannot be set from here` };
      return { ok: true, value };
  }
}

export interface TypedFields {
  fields: Fields;
  /** every problem, one per field, in the order the fields were given */
  problems: string[];
}

const INDEX = new WeakMap<EntityModel, Map<string, EdmProperty>>();

/** The model's properties by name, built once per model (a CSV import checks every row against it). */
function propertiesOf(model: EntityModel): Map<string, EdmProperty> {
  let index = INDEX.get(model);
  if (!index) INDEX.set(model, (index = new Map(model.properties.map((p) => [p.name, p]))));
  return index;
}

/**
 * What is wrong with changing this field whatever the value: D365 has no such field (close
 * valid names are offered), or it is a key or computed by D365. Null when it may be changed.
 */
export function fieldProblem(model: EntityModel, name: string): string | null {
  const p = propertiesOf(model).get(name);
  if (!p) {
    const close = closeNames(name, model.properties.map((x) => x.name));
    return `${model.entitySet} has no field ${JSON.stringify(name)}${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`;
  }
  if (p.key) return `${name} is part of the key of ${model.entityType.slice(model.entityType.lastIndexOf('.') + 1)} (it says which order this is) and cannot be changed`;
  if (p.computed) return `${name} is set by D365 itself (Core.Computed) and cannot be changed`;
  return null;
}

export interface TypedFields {
  fields: Fields;
  /** every problem, one per field, in the order the fields were given */
  problems: string[];
}

/**
 * Every value of an update (or of its base: what D365 held, which may have been empty)
 * checked against the entity model and read as its type. Fields the base names are known to
 * exist: `fieldProblem` was asked about them with the new values.
 */
export function typeFields(model: EntityModel, fields: Fields, what: 'value' | 'base' = 'value'): TypedFields {
  const byName = propertiesOf(model);
  const out: Fields = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const p = byName.get(name);
    const refused = what === 'value' ? fieldProblem(model, name) : null;
    if (refused || !p) {
      if (refused) problems.push(refused);
      continue;
    }
    const typed = what === 'base' && value === null ? ({ ok: true, value } as const) : typeValue(p, value);
    if (typed.ok) out[name] = typed.value;
    else problems.push(what === 'base' ? `base value: ${typed.problem}` : typed.problem);
  }
  return { fields: out, problems };
}

/** Up to three valid names nearest to a typo: same letters in another case first, then edit distance. */
export function closeNames(name: string, known: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const scored: { n: string; d: number }[] = [];
  for (const k of known) {
    const kl = k.toLowerCase();
    const d = kl === lower ? 0 : kl.includes(lower) || lower.includes(kl) ? 1 : 1 + distance(lower, kl);
    if (d <= Math.max(2, Math.floor(name.length / 3)) + 1) scored.push({ n: k, d });
  }
  return scored.sort((a, b) => a.d - b.d || a.n.localeCompare(b.n)).slice(0, max).map((s) => s.n);
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
