import type { Flavour, SalesOrder, WriteLogEntry } from './types.ts';
import { randomInt, type Rng } from './rng.ts';

export interface StoredOrder {
  flavour: Flavour;
  company: string;
  orderNumber: string;
  fields: SalesOrder;
  etag: string;
}

function bookKey(flavour: Flavour, company: string, orderNumber: string): string {
  // D365's SQL collation is case-insensitive: 'usmf' and 'USMF' are one company
  return `${flavour}\u0000${company.toLowerCase()}\u0000${orderNumber.toLowerCase()}`;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * Every order of both flavours, each with an ETag that changes on every write, and the log of
 * who wrote what. Changesets of a $batch write through a journal so they can be undone whole.
 */
export class OrderBook {
  readonly writeLog: WriteLogEntry[] = [];
  readonly #orders = new Map<string, StoredOrder>();
  // indexes, so that a book of many thousand orders stays fast to seed and to query
  readonly #companies = new Map<string, string>();
  readonly #byId = new Map<string, string>();
  readonly #counts: Record<Flavour, number> = { fo: 0, bc: 0 };
  readonly #versions: Rng;
  #version: number;
  #changeset: { journal: Map<string, StoredOrder | undefined>; pending: Omit<WriteLogEntry, 'seq'>[] } | undefined;

  constructor(versions: Rng) {
    this.#versions = versions;
    // F&O row versions look like RecIds; a rising counter can never hand an old ETag back
    this.#version = 5637144576 + randomInt(versions, 0, 1_000_000);
  }

  #nextEtag(flavour: Flavour): string {
    this.#version += 1 + randomInt(this.#versions, 0, 1000);
    const opaque = flavour === 'fo' ? `'1,${this.#version};0,0;0,0'` : `'19;1${this.#version};00;'`;
    return `W/"${base64(opaque)}"`;
  }

  get(flavour: Flavour, company: string, orderNumber: string): StoredOrder | undefined {
    return this.#orders.get(bookKey(flavour, company, orderNumber));
  }

  /** All orders of a flavour (optionally of one company), in the order they were first stored. */
  list(flavour: Flavour, company?: string): StoredOrder[] {
    const out: StoredOrder[] = [];
    for (const order of this.#orders.values()) {
      if (order.flavour === flavour && (company === undefined || order.company.toLowerCase() === company.toLowerCase())) out.push(order);
    }
    return out;
  }

  count(flavour: Flavour): number {
    return this.#counts[flavour];
  }

  /** Companies that have (or had) orders, each under the spelling it was first seeded with. */
  companies(): string[] {
    return [...this.#companies.values()];
  }

  /** An order by its `id` field (Business Central addresses records by GUID). */
  findById(flavour: Flavour, company: string, id: string): StoredOrder | undefined {
    const key = this.#byId.get(`${flavour}\u0000${company.toLowerCase()}\u0000${id.toLowerCase()}`);
    return key === undefined ? undefined : this.#orders.get(key);
  }

  /** Creates or replaces an order outright (seeding; not a logged write). */
  put(flavour: Flavour, company: string, orderNumber: string, fields: SalesOrder): StoredOrder {
    const key = bookKey(flavour, company, orderNumber);
    this.#journal(key);
    // replacing keeps the first-stored position (Map semantics), so random picks stay reproducible
    const order: StoredOrder = { flavour, company, orderNumber, fields: { ...fields }, etag: this.#nextEtag(flavour) };
    if (!this.#orders.has(key)) this.#counts[flavour]++;
    this.#orders.set(key, order);
    if (!this.#companies.has(company.toLowerCase())) this.#companies.set(company.toLowerCase(), company);
    if (typeof fields.id === 'string') this.#byId.set(`${flavour}\u0000${company.toLowerCase()}\u0000${fields.id.toLowerCase()}`, key);
    return order;
  }

  /**
   * Applies `fields` (logged) and `extra` (system fields such as lastModifiedDateTime, not
   * logged) to the order and gives it a new ETag. Returns the order as it now is.
   */
  write(order: StoredOrder, fields: SalesOrder, by: WriteLogEntry['by'], extra: SalesOrder = {}): StoredOrder {
    const key = bookKey(order.flavour, order.company, order.orderNumber);
    // only the changeset's own writes are undone on rollback; another user's write stands
    if (by === 'client') this.#journal(key);
    const etagBefore = order.etag;
    const etagAfter = this.#nextEtag(order.flavour);
    const updated: StoredOrder = { ...order, fields: { ...order.fields, ...fields, ...extra }, etag: etagAfter };
    this.#orders.set(key, updated);
    const entry = {
      at: Date.now(),
      by,
      entity: order.flavour,
      company: order.company,
      orderNumber: order.orderNumber,
      fields: { ...fields },
      etagBefore,
      etagAfter,
    };
    if (this.#changeset && by === 'client') {
      // a changeset's writes become visible in the log when it commits, as one unit
      this.#changeset.pending.push(entry);
    } else {
      this.#log(entry);
    }
    return updated;
  }

  #log(entry: Omit<WriteLogEntry, 'seq'>): void {
    this.writeLog.push({ seq: this.writeLog.length + 1, ...entry });
  }

  #journal(key: string): void {
    if (this.#changeset && !this.#changeset.journal.has(key)) this.#changeset.journal.set(key, this.#orders.get(key));
  }

  beginChangeset(): void {
    if (this.#changeset) throw new Error('changesets do not nest');
    this.#changeset = { journal: new Map(), pending: [] };
  }

  /** True when the open changeset already wrote this order: it holds the row lock. */
  lockedByChangeset(order: StoredOrder): boolean {
    return this.#changeset?.journal.has(bookKey(order.flavour, order.company, order.orderNumber)) ?? false;
  }

  commitChangeset(): void {
    const changeset = this.#changeset;
    this.#changeset = undefined;
    for (const entry of changeset?.pending ?? []) this.#log(entry);
  }

  rollbackChangeset(): void {
    const changeset = this.#changeset;
    this.#changeset = undefined;
    for (const [key, before] of changeset?.journal ?? []) {
      if (before) {
        this.#orders.set(key, before);
      } else if (this.#orders.delete(key)) {
        this.#counts[key.startsWith('fo') ? 'fo' : 'bc']--;
      }
    }
  }
}
