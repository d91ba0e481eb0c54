import { BC_SALES_ORDER, bcFieldName } from './bc-entity.ts';
import { property, type EntitySchema } from './entity-schema.ts';
import { SALES_ORDER_HEADER } from './fo-entity.ts';
import { randomInt, type Rng } from './rng.ts';
import type { Flavour, SalesOrder, WriterOptions } from './types.ts';

export type ResolvedWriters = Required<WriterOptions>;

export const DEFAULT_WRITERS: ResolvedWriters = {
  onRequest: 0,
  perSecond: 0,
  sameFieldProbability: 0.1,
  noiseFields: ['SalesOrderName', 'CustomerRequisitionNumber'],
  contestedFields: ['RequestedShippingDate', 'DeliveryModeCode', 'SalesOrderStatus'],
};

export function schemaOf(flavour: Flavour): EntitySchema {
  return flavour === 'fo' ? SALES_ORDER_HEADER : BC_SALES_ORDER;
}

/** A field name from options or a test, in the entity's own naming (BC accepts F&O names too). */
export function entityField(flavour: Flavour, name: string): string | undefined {
  if (flavour === 'fo') return property(SALES_ORDER_HEADER, name) ? name : undefined;
  return bcFieldName(name);
}

export function resolveWriters(options: WriterOptions = {}): ResolvedWriters {
  const resolved: ResolvedWriters = {
    onRequest: options.onRequest ?? DEFAULT_WRITERS.onRequest,
    perSecond: options.perSecond ?? DEFAULT_WRITERS.perSecond,
    sameFieldProbability: options.sameFieldProbability ?? DEFAULT_WRITERS.sameFieldProbability,
    noiseFields: [...(options.noiseFields ?? DEFAULT_WRITERS.noiseFields)],
    contestedFields: [...(options.contestedFields ?? DEFAULT_WRITERS.contestedFields)],
  };
  for (const name of [...resolved.noiseFields, ...resolved.contestedFields]) {
    if (!entityField('fo', name) && !entityField('bc', name)) throw new RangeError(`writers cannot touch unknown field '${name}'`);
  }
  for (const [name, p] of [
    ['onRequest', resolved.onRequest],
    ['sameFieldProbability', resolved.sameFieldProbability],
  ] as const) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`writers.${name} must be a probability between 0 and 1, not ${p}`);
  }
  if (!(resolved.perSecond >= 0 && Number.isFinite(resolved.perSecond))) throw new RangeError(`writers.perSecond must be >= 0`);
  return resolved;
}

/**
 * What another user changes on an order: one field, contested with `sameFieldProbability`,
 * otherwise noise, to a value different from the current one. Undefined when nothing on the
 * order can change any more (e.g. an invoiced order and only its status is eligible).
 */
export function writerChange(rng: Rng, flavour: Flavour, current: SalesOrder, writers: ResolvedWriters): SalesOrder | undefined {
  const schema = schemaOf(flavour);
  const eligible = (names: readonly string[]): string[] =>
    names.map((n) => entityField(flavour, n)).filter((n): n is string => n !== undefined && property(schema, n)?.next !== undefined);
  const contested = rng() < writers.sameFieldProbability;
  const preferred = eligible(contested ? writers.contestedFields : writers.noiseFields);
  const fallback = eligible(contested ? writers.noiseFields : writers.contestedFields);
  for (const names of [preferred, fallback]) {
    if (names.length === 0) continue;
    const start = randomInt(rng, 0, names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[(start + i) % names.length] as string;
      const value = property(schema, name)?.next?.(rng, current[name]);
      if (value !== undefined && value !== current[name]) return { [name]: value };
    }
  }
  return undefined;
}
