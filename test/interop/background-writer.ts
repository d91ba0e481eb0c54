import { Agent, request, type Dispatcher } from 'undici';
import { createRng, type Rng } from '../../core/simulator/rng.ts';
import { WRITER_CLIENT, type D365Server } from './d365-server.ts';
import { bearer, orderPath } from './raw-http.ts';

/** A field other users change, and how they pick a new value (never the one it has). */
export interface WriterField {
  name: string;
  next(rng: Rng, n: number): string;
}

/** Fields the agent's tests never queue: changes there must never become conflicts. */
export const UNRELATED: WriterField[] = [
  { name: 'SalesOrderName', next: (_rng, n) => `Renamed by the warehouse ${n}` },
  { name: 'CustomersOrderReference', next: (_rng, n) => `PO-${70000 + n}` },
  { name: 'DeliveryAddressName', next: (rng) => `Dock ${1 + Math.floor(rng() * 9)} rear` },
];

export interface BackgroundWriterOptions {
  seed: number;
  /** orders it may write to (USMF) */
  orders: readonly string[];
  fields: readonly WriterField[];
  /** timer-driven writes per second to a random order (0 = none) */
  perSecond?: number;
  /** probability that a request of the agent on an order is preceded by a write to that order */
  race?: number;
}

/**
 * Other users of D365, through the same OData service with their own app registration: GET
 * the order, PATCH one field with If-Match, again on 412 (a few times). Seeded: which order,
 * which field and which value come from the seed; when they land depends on the drain.
 */
export class BackgroundWriter {
  private readonly server: D365Server;
  private readonly o: Required<BackgroundWriterOptions>;
  private readonly rng: Rng;
  private readonly pool: Dispatcher = new Agent({ connections: 2 });
  private token: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inflight = new Set<Promise<void>>();
  private stopped = false;
  private n = 0;
  /** writes the server accepted */
  applied = 0;
  /** writes that kept losing the ETag race or failed */
  lost = 0;

  constructor(server: D365Server, options: BackgroundWriterOptions) {
    this.server = server;
    this.o = { perSecond: 0, race: 0, ...options };
    this.rng = createRng(options.seed);
  }

  start(): void {
    if (this.o.perSecond <= 0) return;
    const every = 1000 / this.o.perSecond;
    const tick = () => {
      if (this.stopped) return;
      const order = this.o.orders[Math.floor(this.rng() * this.o.orders.length)]!;
      this.track(this.write(order));
      this.timer = setTimeout(tick, every);
    };
    this.timer = setTimeout(tick, every);
  }

  /** Called with the order of a request the agent is about to send: maybe write first. */
  async race(orderNumber: string): Promise<void> {
    if (this.stopped || !this.o.orders.includes(orderNumber) || this.rng() >= this.o.race) return;
    await this.track(this.write(orderNumber));
  }

  /** One write by another user to one field of the order. */
  async write(orderNumber: string, field?: WriterField): Promise<void> {
    const f = field ?? this.o.fields[Math.floor(this.rng() * this.o.fields.length)]!;
    const value = f.next(this.rng, ++this.n);
    const url = `${this.server.serviceRoot}/${orderPath(orderNumber)}`;
    this.token ??= await bearer(this.server, WRITER_CLIENT);
    const headers = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    for (let attempt = 0; attempt < 4; attempt++) {
      const got = await request(url, { dispatcher: this.pool, headers });
      const row = (await got.body.json()) as Record<string, unknown>;
      if (got.statusCode !== 200) break;
      if (row[f.name] === value) return;
      const res = await request(url, {
        method: 'PATCH',
        dispatcher: this.pool,
        headers: { ...headers, 'content-type': 'application/json', 'if-match': String(row['@odata.etag']) },
        body: JSON.stringify({ [f.name]: value }),
      });
      await res.body.dump();
      if (res.statusCode === 200 || res.statusCode === 204) {
        this.applied++;
        return;
      }
      if (res.statusCode !== 412) break;
    }
    this.lost++;
  }

  /** Stops the timer and waits for the writes in flight. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inflight]);
    await this.pool.close();
  }

  private track(p: Promise<void>): Promise<void> {
    const guarded = p.catch(() => {
      this.lost++;
    });
    this.inflight.add(guarded);
    void guarded.finally(() => this.inflight.delete(guarded));
    return guarded;
  }
}
