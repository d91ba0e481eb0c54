import { BC_SALES_ORDER, bcFieldName, bcValue } from './bc-entity.ts';
import { DV_SALES_ORDER, dvFieldName, dvValue } from './dv-entity.ts';
import { property, type EntitySchema } from './entity-schema.ts';
import { SALES_ORDER_HEADER } from './fo-entity.ts';
import type { OrderBook, StoredOrder } from './order-book.ts';
import { pick, randomInt, type Rng } from './rng.ts';
import type { FieldValue, Flavour, SalesOrder, WriterOptions } from './types.ts';

export type ResolvedWriters = Required<WriterOptions>;

export const DEFAULT_WRITERS: ResolvedWriters = {
  onRequest: 0,
  perSecond: 0,
  sameFieldProbability: 0.1,
  noiseFields: ['SalesOrderName', 'CustomerRequisitionNumber'],
  contestedFields: ['RequestedShippingDate', 'DeliveryModeCode', 'SalesOrderStatus'],
};

const FLAVOURS: readonly Flavour[] = ['fo', 'bc', 'dataverse'];

export function schemaOf(flavour: Flavour): EntitySchema {
  return { fo: SALES_ORDER_HEADER, bc: BC_SALES_ORDER, dataverse: DV_SALES_ORDER }[flavour];
}

/** A field name from options or a test, in the entity's own naming (BC and Dataverse accept F&O names too). */
export function entityField(flavour: Flavour, name: string): string | undefined {
  switch (flavour) {
    case 'fo':
      return property(SALES_ORDER_HEADER, name) ? name : undefined;
    case 'bc':
      return bcFieldName(name);
    case 'dataverse':
      return dvFieldName(name);
  }
}

/** Any flavour knows the field (F&O names count for every flavour). */
export function knownField(name: string): boolean {
  return FLAVOURS.some((f) => entityField(f, name) !== undefined);
}

/** An F&O name given for another flavour carries an F&O value: translate it too. */
function entityValue(flavour: Flavour, name: string, value: FieldValue): FieldValue {
  if (flavour === 'fo' || property(schemaOf(flavour), name)) return value;
  return flavour === 'bc' ? bcValue(name, value) : dvValue(name, value);
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
    if (!knownField(name)) throw new RangeError(`writers cannot touch unknown field '${name}'`);
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

/**
 * Other users of D365: writes on request (just before a client touches an order), on a timer
 * to random orders of the flavours clients use, and scripted ones, all from one seeded stream.
 */
export class BackgroundWriters {
  /** flavours clients have used: timer-driven writers go where the traffic is */
  readonly clientFlavours = new Set<Flavour>();
  readonly #book: OrderBook;
  readonly #rng: Rng;
  readonly #now: () => number;
  #writers: ResolvedWriters;
  #clock: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(book: OrderBook, rng: Rng, now: () => number, options: WriterOptions | undefined) {
    this.#book = book;
    this.#rng = rng;
    this.#now = now;
    this.#writers = resolveWriters(options);
    this.#startClock();
  }

  set(options: WriterOptions): void {
    this.#writers = resolveWriters(options);
    this.#startClock();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#clock) clearInterval(this.#clock);
    this.#clock = undefined;
  }

  /** A write by someone else (bumps the ETag, logged by 'writer'). */
  write(order: StoredOrder, fields: SalesOrder): void {
    const named: SalesOrder = {};
    for (const [name, value] of Object.entries(fields)) {
      const own = entityField(order.flavour, name);
      if (!own) throw new RangeError(`${schemaOf(order.flavour).typeName} has no field '${name}'`);
      named[own] = entityValue(order.flavour, name, value);
    }
    this.#book.write(order, named, 'writer');
  }

  /** Just before a client request on an order is handled, someone else may get there first. */
  beforeClientTouch(order: StoredOrder, scripted: SalesOrder | undefined): StoredOrder {
    if (scripted) {
      this.write(order, scripted);
    } else if (this.#writers.onRequest > 0 && !this.#book.lockedByChangeset(order) && this.#rng() < this.#writers.onRequest) {
      this.#writeSomething(order);
    } else {
      return order; // untouched: still the book's
    }
    return this.#book.get(order.flavour, order.company, order.orderNumber) ?? order;
  }

  #writeSomething(order: StoredOrder): void {
    const change = writerChange(this.#rng, order.flavour, order.fields, this.#writers);
    if (change) this.#book.write(order, change, 'writer');
  }

  #startClock(): void {
    if (this.#clock) clearInterval(this.#clock);
    this.#clock = undefined;
    const perSecond = this.#writers.perSecond;
    if (perSecond <= 0 || this.#stopped) return;
    const started = this.#now();
    let done = 0;
    this.#clock = setInterval(
      () => {
        const due = Math.floor(((this.#now() - started) * perSecond) / 1000);
        // after a stall (a paused debugger, a slow CI box) catch up a little, not in one burst
        for (let n = 0; done < due && n < 1000; n++, done++) this.#randomWrite();
        done = Math.max(done, due - 1000);
      },
      Math.max(5, 1000 / perSecond),
    );
    this.#clock.unref();
  }

  #randomWrite(): void {
    const flavours = FLAVOURS.filter((f) => this.clientFlavours.has(f));
    const flavour = flavours.length === 0 ? 'fo' : pick(this.#rng, flavours);
    const orders = this.#book.list(flavour);
    if (orders.length === 0) return;
    this.#writeSomething(pick(this.#rng, orders));
  }
}
