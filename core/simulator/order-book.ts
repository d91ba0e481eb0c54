import type { Flavour, SalesOrder, WriteLogEntry } from './types.ts';
import { randomInt, type Rng } from './rng.ts';

export interface StoredOrder {
  flavour: Flavour;
  company: string;
  orderNumber: string;
  fields: SalesOrder;
  etag: string;
}

/** Per flavour: the field that identifies a record (BC and Dataverse address by GUID) and the one stamped on every write. */
export type SystemFields = Partial<Record<Flavour, { id?: string; modified?: string }>>;

function bookKey(flavour: Flavour, company: string, orderNumber: string): string {
  // D365's SQL collation is case-insensitive: 'usmf' and 'USMF' are one company
  return `${flavour}\u0000${company.toLowerCase()}\u0000${orderNumber.toLowerCase()}`;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * Every order of every flavour, each with an ETag and a modification time that change on every
 * write, and the log of who wrote what. Changesets of a $batch write through a journal so they
 * can be undone whole.
 */
export class OrderBook {
  readonly writeLog: WriteLogEntry[] = [];
  readonly #orders = new Map<string, StoredOrder>();
  // indexes, so that a book of many thousand orders stays fast to seed and to query
  readonly #companies = new Map<string, string>();
  readonly #byId = new Map<string, string>();
  readonly #counts: Record<Flavour, number> = { fo: 0, bc: 0, dataverse: 0 };
  readonly #versions: Rng;
  readonly #now: () => number;
  readonly #system: SystemFields;
  #version: number;
  #changeset: { journal: Map<string, StoredOrder | undefined>; pending: Omit<WriteLogEntry, 'seq'>[] } | undefined;

  constructor(versions: Rng, now: () => number, system: SystemFields) {
    this.#versions = versions;
    this.#now = now;
    this.#system = system;
    // F&O row versions look like RecIds; a rising counter can never hand an old ETag back
    this.#version = 5637144576 + randomInt(versions, 0, 1_000_000);
  }

  #nextEtag(flavour: Flavour): string {
    this.#version += 1 + randomInt(this.#versions, 0, 1000);
    switch (flavour) {
      case 'fo':
        return `W/"${base64(`'1,${this.#version};0,0;0,0'`)}"`;
      case 'bc':
        return `W/"${base64(`'19;1${this.#version};00;'`)}"`;
      case 'dataverse':
        // Dataverse's ETag is the row's versionnumber
        return `W/"${this.#version}"`;
    }
  }

  /** A modification time later than the last one, even for two writes in one millisecond. */
  #stamp(flavour: Flavour, previous: SalesOrder | undefined): SalesOrder {
    const field = this.#system[flavour]?.modified;
    if (!field) return {};
    const last = Date.parse(String(previous?.[field] ?? ''));
    const at = Number.isNaN(last) ? this.#now() : Math.max(this.#now(), last + 1);
    return { [field]: new Date(at).toISOString() };
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

  /** An order by its id field (Business Central and Dataverse address records by GUID). */
  findById(flavour: Flavour, company: string, id: string): StoredOrder | undefined {
    const key = this.#byId.get(`${flavour}\u0000${company.toLowerCase()}\u0000${id.toLowerCase()}`);
    return key === undefined ? undefined : this.#orders.get(key);
  }

  /** Creates or replaces an order outright (seeding; not a logged write). */
  put(flavour: Flavour, company: string, orderNumber: string, fields: SalesOrder): StoredOrder {
    const key = bookKey(flavour, company, orderNumber);
    this.#journal(key);
    // replacing keeps the first-stored position (Map semantics), so random picks stay reproducible
    const order: StoredOrder = { flavour, company, orderNumber, fields: { ...this.#stamp(flavour, undefined), ...fields }, etag: this.#nextEtag(flavour) };
    if (!this.#orders.has(key)) this.#counts[flavour]++;
    this.#orders.set(key, order);
    if (!this.#companies.has(company.toLowerCase())) this.#companies.set(company.toLowerCase(), company);
    const idField = this.#system[flavour]?.id;
    const id = idField === undefined ? undefined : fields[idField];
    if (typeof id === 'string') this.#byId.set(`${flavour}\u0000${company.toLowerCase()}\u0000${id.toLowerCase()}`, key);
    return order;
  }

  /**
   * Applies `fields` (logged) to the order, gives it a new ETag and stamps its modification
   * time (not logged: a system field). Returns the order as it now is.
   */
  write(order: StoredOrder, fields: SalesOrder, by: WriteLogEntry['by']): StoredOrder {
    const key = bookKey(order.flavour, order.company, order.orderNumber);
    // only the changeset's own writes are undone on rollback; another user's write stands
    if (by === 'client') this.#journal(key);
    const etagBefore = order.etag;
    const etagAfter = this.#nextEtag(order.flavour);
    const updated: StoredOrder = { ...order, fields: { ...order.fields, ...fields, ...this.#stamp(order.flavour, order.fields) }, etag: etagAfter };
    this.#orders.set(key, updated);
    const entry = {
      at: this.#now(),
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
        continue;
      }
      const created = this.#orders.get(key);
      if (created && this.#orders.delete(key)) this.#counts[created.flavour]--;
    }
  }
}
