import type { Fields } from '../../core/outbox/types.ts';
import { AgentRig, type AgentRigOptions } from './agent-rig.ts';
import { BackgroundWriter, type BackgroundWriterOptions, type WriterField } from './background-writer.ts';
import { DELIVERY_MODES, orderNumber } from './cap/entity.ts';
import type { D365Server, ServerWrite } from './d365-server.ts';
import { checkHistory, type HistoryReport } from './history.ts';

export const range = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => orderNumber(from + i));
export const writesTo = (log: readonly ServerWrite[], order: string): ServerWrite[] => log.filter((w) => w.orderNumber === order);

/** The field the agent changes in the contested runs; other users pick any value but '10' (seed) and '20' (ours). */
export const DELIVERY_MODE: WriterField = {
  name: 'DeliveryModeCode',
  next: (rng) => DELIVERY_MODES.filter((m) => m !== '10' && m !== '20')[Math.floor(rng() * 3)]!,
};

export interface UnderOthers {
  orders: string[];
  /** what each order's update sets, and what the person saw */
  fields: (i: number) => Fields;
  base: Fields;
  writer: Omit<BackgroundWriterOptions, 'orders'>;
  rig?: Omit<AgentRigOptions, 'beforeSend'>;
  /** stop a stalled drain after this long (default 40 s) */
  withinMs?: number;
  /** stop at the first pause (for runs where any pause is a failure) */
  stopOnPause?: boolean;
}

/** Rigs and writers of one test file, closed after each test. */
export class Scene {
  readonly server: D365Server;
  private rigs: AgentRig[] = [];
  private writers: BackgroundWriter[] = [];

  constructor(server: D365Server) {
    this.server = server;
  }

  rig(o: AgentRigOptions = {}): AgentRig {
    const r = new AgentRig(this.server, o);
    this.rigs.push(r);
    return r;
  }

  writer(o: BackgroundWriterOptions): BackgroundWriter {
    const w = new BackgroundWriter(this.server, o);
    this.writers.push(w);
    return w;
  }

  async cleanup(): Promise<void> {
    for (const w of this.writers.splice(0)) await w.stop();
    for (const r of this.rigs.splice(0)) await r.close();
  }

  /**
   * Queues one update per order, then drains while other users write (timer-driven, and racing
   * the agent's own requests), and checks the history against the server's write log.
   */
  async drainUnderOthers(o: UnderOthers) {
    const others = this.writer({ ...o.writer, orders: o.orders });
    const rig = this.rig({ ...o.rig, beforeSend: (calls) => Promise.all(calls.map((c) => others.race(c.orderNumber))).then(() => undefined) });
    o.orders.forEach((order, i) => rig.enqueue(order, o.fields(i), o.base));
    others.start();
    const run = await rig.drainWithin(o.withinMs ?? 40_000, { stopOnPause: o.stopOnPause });
    await others.stop();
    const log = (await this.server.writes()).filter((w) => o.orders.includes(w.orderNumber));
    const report: HistoryReport = checkHistory({
      outbox: rig.outbox,
      acknowledged: rig.acknowledged,
      writes: log,
      rows: await this.server.orders(),
      othersWrite: new Set(o.writer.fields.map((f) => f.name)),
    });
    /** orders where someone else changed DeliveryModeCode before the agent wrote it */
    const contested = o.orders.filter((order) => writesTo(log, order).find((w) => w.by === 'client' || 'DeliveryModeCode' in w.fields)?.by === 'writer');
    return { rig, others, run, log, report, contested };
  }
}
