/**
 * The one rule set for what an update may contain. The API schemas, the CSV row check and
 * `Outbox.enqueue` (which takes only a `CheckedUpdate`) are all built from these schemas.
 */
import { z } from 'zod';
import { badInput } from '../errors.ts';
import { UPDATE_SOURCES, type Fields, type FieldValue, type UpdateSource } from './types.ts';

export const DEFAULT_PROFILE = 'fo';
export const DEFAULT_COMPANY = 'USMF';

export const LIMITS = { orderNumber: 200, company: 64, profile: 32, queuedBy: 200, value: 4000, fields: 100 } as const;

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
// Tab, CR and LF are legitimate inside text values; other control characters are not.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// An order number or a company is one visible line: no control character at all.
const KEY_CONTROL = /[\u0000-\u001f\u007f]/;
// Characters that make two different order numbers look the same: bidi controls, zero-width marks.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A key text (order number, company…) as it is stored: NFC, trimmed. */
function keyValue(raw: string): string {
  return raw.normalize('NFC').trim();
}

/** A field value as it is stored: text in NFC, anything else as given. */
function fieldValue(value: unknown): FieldValue {
  return (typeof value === 'string' ? value.normalize('NFC') : value) as FieldValue;
}

/** What is wrong with a key text (order number, company…) as typed, or null. Checked before trimming: trim() would silently drop a leading zero-width no-break space. */
function keyProblem(what: string, max: number, raw: string): string | null {
  const s = keyValue(raw);
  if (s === '' && !INVISIBLE.test(raw)) return `${what} is empty`;
  if (s.length > max) return `${what} is ${s.length} characters long; the limit is ${max}`;
  if (KEY_CONTROL.test(s)) return `${what} ${JSON.stringify(s)} contains a control character`;
  if (INVISIBLE.test(raw)) return `${what} ${JSON.stringify(raw)} contains an invisible character (a direction mark or zero-width space); type it again`;
  return null;
}

/** Order numbers, companies and the like: trimmed, NFC, visible characters only. */
function keyText(what: string, max: number) {
  return z
    .string({ error: (i) => `${what} must be text, got ${i.input === null ? 'null' : typeof i.input}` })
    .superRefine((raw, ctx) => {
      const problem = keyProblem(what, max, raw);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform(keyValue);
}

export const OrderNumberSchema = keyText('order number', LIMITS.orderNumber);
export const CompanySchema = keyText('company', LIMITS.company);
export const ProfileNameSchema = keyText('profile', LIMITS.profile);
export const QueuedBySchema = keyText('queued by', LIMITS.queuedBy);

export function fieldNameProblem(name: string): string | null {
  return FIELD_NAME.test(name) ? null : `${JSON.stringify(name)} is not a valid D365 field name (letters, digits and _, starting with a letter)`;
}

/** Throws BAD_INPUT naming the field when it cannot be a D365 field name. */
export function checkFieldName(name: string, what = 'field'): void {
  const problem = fieldNameProblem(name);
  if (problem) throw badInput(`${what} ${problem}`);
}

function valueProblem(name: string, value: unknown): string | null {
  if (typeof value === 'string') {
    if (value.length > LIMITS.value) return `value of ${name} is ${value.length} characters long; the limit is ${LIMITS.value}`;
    if (CONTROL.test(value)) return `value of ${name} contains a control character`;
    return null;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? null : `value of ${name} is not a finite number`;
  if (typeof value === 'boolean' || value === null) return null;
  return `value of ${name} must be text, a number, true/false or null`;
}

/** Field name → new value. Text values are NFC-normalised; `__proto__` and friends are refused by name. */
export const FieldsSchema = z
  .custom<Record<string, unknown>>(isPlainObject, { error: 'must be an object of field → value' })
  .superRefine((obj, ctx) => {
    const entries = Object.entries(obj);
    if (Object.hasOwn(obj, '__proto__') && !entries.some(([k]) => k === '__proto__')) entries.push(['__proto__', obj.__proto__]);
    if (entries.length > LIMITS.fields) ctx.addIssue({ code: 'custom', message: `has ${entries.length} fields; the limit is ${LIMITS.fields}` });
    for (const [name, value] of entries) {
      const problem = fieldNameProblem(name) ? `field ${fieldNameProblem(name)}` : valueProblem(name, value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
    }
  })
  .transform((obj): Fields => {
    const out: Fields = {};
    for (const [name, value] of Object.entries(obj)) out[name] = fieldValue(value);
    return out;
  });

export function describeKey(k: { company: string; orderNumber: string }): string {
  return `order ${JSON.stringify(k.orderNumber)} (company ${JSON.stringify(k.company)})`;
}

/** What a person asks for: the shape the form, scan mode, the API and the CLI share. */
export const UpdateRequestSchema = z.object({
  company: CompanySchema.optional(),
  orderNumber: OrderNumberSchema,
  fields: FieldsSchema,
  /** the values the person saw when deciding, for the three-way check */
  base: FieldsSchema.nullable().optional(),
});

const CheckedUpdateSchema = UpdateRequestSchema.extend({
  profile: ProfileNameSchema.default(DEFAULT_PROFILE),
  company: CompanySchema,
  source: z.enum(UPDATE_SOURCES, { error: (i) => `unknown source ${JSON.stringify(i.input)}` }),
  queuedBy: QueuedBySchema,
})
  .superRefine((u, ctx) => {
    if (Object.keys(u.fields).length === 0) ctx.addIssue({ code: 'custom', message: `${describeKey(u)} changes no field` });
    for (const name of Object.keys(u.base ?? {})) {
      if (!(name in u.fields)) ctx.addIssue({ code: 'custom', message: `base value given for ${name}, which ${describeKey(u)} does not change` });
    }
  })
  .transform((u) => ({ ...u, base: u.base && Object.keys(u.base).length > 0 ? u.base : null }))
  .brand<'CheckedUpdate'>();

/** An update that passed every rule; the only thing the outbox queues. */
export type CheckedUpdate = z.output<typeof CheckedUpdateSchema>;

export interface UpdateInput {
  profile?: string;
  company: string;
  orderNumber: string;
  fields: Fields;
  base?: Fields | null;
  source: UpdateSource;
  queuedBy: string;
}

/**
 * Checks an update as enqueue would. Throws BAD_INPUT naming the order and what is wrong,
 * in words a person can act on.
 */
export function checkUpdate(input: unknown): CheckedUpdate {
  return (isPlainObject(input) && passes(input)) || checkUpdateBySchema(input);
}

/** checkUpdate by the schema alone: what the direct check must always agree with. */
export function checkUpdateBySchema(input: unknown): CheckedUpdate {
  if (!isPlainObject(input)) throw badInput('an update must be an object');
  const parsed = CheckedUpdateSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw badInput(describeIssue(input, parsed.error.issues[0]));
}

/**
 * The same rules as CheckedUpdateSchema, run directly on an update that passes them all (a
 * CSV import checks 100,000 rows; the schema's parse took most of its time). Null for anything
 * unusual or wrong: the schema then decides, and says what is wrong. A test holds the two equal.
 */
function passes(input: Record<string, unknown>): CheckedUpdate | null {
  const { profile = DEFAULT_PROFILE, company, orderNumber, fields, base, source, queuedBy } = input;
  if (typeof profile !== 'string' || typeof company !== 'string' || typeof orderNumber !== 'string' || typeof queuedBy !== 'string') return null;
  if (keyProblem('profile', LIMITS.profile, profile) || keyProblem('company', LIMITS.company, company)) return null;
  if (keyProblem('order number', LIMITS.orderNumber, orderNumber) || keyProblem('queued by', LIMITS.queuedBy, queuedBy)) return null;
  if (!(UPDATE_SOURCES as readonly unknown[]).includes(source)) return null;
  const changed = plainFields(fields);
  if (!changed || Object.keys(changed).length === 0) return null;
  let seen: Fields | null = null;
  if (base !== undefined && base !== null) {
    seen = plainFields(base);
    if (!seen || Object.keys(seen).some((name) => !(name in changed))) return null;
    if (Object.keys(seen).length === 0) seen = null;
  }
  // the schema's key order: base where the input had it, else last
  const out: Record<string, unknown> = { company: keyValue(company), orderNumber: keyValue(orderNumber), fields: changed };
  if (Object.hasOwn(input, 'base')) out.base = seen;
  Object.assign(out, { profile: keyValue(profile), source, queuedBy: keyValue(queuedBy), base: seen });
  return out as CheckedUpdate;
}

/** FieldsSchema's rules and output for a plain object of fields that passes them; null otherwise. */
function plainFields(obj: unknown): Fields | null {
  if (!isPlainObject(obj) || Object.getPrototypeOf(obj) !== Object.prototype || Object.hasOwn(obj, '__proto__')) return null;
  const out: Fields = {};
  let n = 0;
  for (const name in obj) {
    if (!Object.hasOwn(obj, name)) continue;
    const value = obj[name];
    if (++n > LIMITS.fields || fieldNameProblem(name) || valueProblem(name, value)) return null;
    out[name] = fieldValue(value);
  }
  return out;
}

/** "order "SO-1" (company "USMF"): field "Foo Bar" is not…" — the order first, when it is known. */
export function describeIssue(input: Record<string, unknown>, issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'malformed update';
  const [top] = issue.path;
  if (top !== 'fields' && top !== 'base') return issue.message;
  const order = OrderNumberSchema.safeParse(input.orderNumber);
  const company = CompanySchema.safeParse(input.company ?? DEFAULT_COMPANY);
  const key = order.success && company.success ? describeKey({ orderNumber: order.data, company: company.data }) : 'the update';
  return `${top === 'base' ? 'base of ' : ''}${key}: ${issue.message}`;
}
