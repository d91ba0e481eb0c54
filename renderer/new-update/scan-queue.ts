import type { AgentApi } from '../../core/api.ts';
import type { Fields } from '../../core/outbox/types.ts';
import { errorCode, errorMessage } from '../format.ts';
import { baseFrom } from './use-order-lookup.ts';

export interface Scan {
  /** the scan's place in line: results are reported by it */
  seq: number;
  orderNumber: string;
  /** as typed; undefined: the agent's default company */
  company: string | undefined;
  /** the fields and values set when this order was scanned */
  fields: Fields;
  /** the same order was scanned moments before */
  again: boolean;
}

export type ScanOutcome =
  | { kind: 'waiting' }
  | { kind: 'queued'; id: number; coalesced: boolean; withBase: boolean }
  /** not-found: D365 has no such order (a misread barcode); agent: the agent refused, in its words */
  | { kind: 'refused'; reason: 'not-found' | 'agent'; message: string };

/** What a read of current values said about the link, for the note beside the scans. */
export type BaseReading = { online: true } | { online: false; message: string };

type OrderReading = { kind: 'base'; base: Fields } | { kind: 'not-found'; message: string };

type Api = Pick<AgentApi, 'lookupOrders' | 'enqueue'>;

/** lookupOrders takes at most this many orders at once */
const LOOKUP_MAX = 100;

/**
 * Scans are queued in the order they were made, one queue call at a time: a scanner types
 * faster than D365 answers, and no scan may be lost, merged into its neighbour or reordered.
 * While one batch is being read and queued the next scans wait here; when their turn comes,
 * the waiting scans with the same company and fields share one read of current values.
 */
export class ScanQueue {
  private readonly api: Api;
  private readonly report: (seq: number, outcome: ScanOutcome) => void;
  private readonly reading: (r: BaseReading) => void;
  private readonly waiting: Scan[] = [];
  private running = false;

  constructor(api: Api, report: (seq: number, outcome: ScanOutcome) => void, reading: (r: BaseReading) => void = () => {}) {
    this.api = api;
    this.report = report;
    this.reading = reading;
  }

  add(scan: Scan): void {
    this.waiting.push(scan);
    this.report(scan.seq, { kind: 'waiting' });
    void this.pump();
  }

  /** scans not yet sent to the agent */
  get backlog(): number {
    return this.waiting.length;
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.takeBatch();
        const bases = await this.readBases(batch);
        for (const scan of batch) await this.queue(scan, bases.get(scan.seq));
      }
    } finally {
      this.running = false;
    }
  }

  /** The first waiting scan and those right behind it with the same company and field names. */
  private takeBatch(): Scan[] {
    const first = this.waiting[0]!;
    const key = batchKey(first);
    let n = 1;
    while (n < this.waiting.length && n < LOOKUP_MAX && batchKey(this.waiting[n]!) === key) n++;
    return this.waiting.splice(0, n);
  }

  /** Each scan's base, or why it must not be queued; a scan missing from the map has no base. */
  private async readBases(batch: Scan[]): Promise<Map<number, OrderReading>> {
    const out = new Map<number, OrderReading>();
    const first = batch[0]!;
    const names = Object.keys(first.fields);
    try {
      const r = await this.api.lookupOrders({ orderNumbers: batch.map((s) => s.orderNumber), fields: names, ...(first.company ? { company: first.company } : {}) });
      if (!r.online) {
        this.reading({ online: false, message: r.message });
        return out;
      }
      this.reading({ online: true });
      for (const [i, order] of r.orders.entries()) {
        const scan = batch[i];
        if (!scan) continue;
        if ('error' in order) {
          // A misread barcode finds no order: better refused now than failed later. Other trouble
          // reading one order is no reason to drop the scan; it goes without a base.
          if (order.error.code === 'NOT_FOUND') out.set(scan.seq, { kind: 'not-found', message: order.error.message });
        } else {
          out.set(scan.seq, { kind: 'base', base: baseFrom(order.values, names) });
        }
      }
    } catch (e) {
      this.reading({ online: false, message: errorMessage(e) });
    }
    return out;
  }

  private async queue(scan: Scan, read: OrderReading | undefined): Promise<void> {
    if (read?.kind === 'not-found') {
      this.report(scan.seq, { kind: 'refused', reason: 'not-found', message: read.message });
      return;
    }
    const base = read?.kind === 'base' ? read.base : null;
    const withBase = base !== null;
    try {
      const r = await this.api.enqueue({
        orderNumber: scan.orderNumber,
        fields: scan.fields,
        base,
        source: 'form',
        ...(scan.company ? { company: scan.company } : {}),
      });
      this.report(scan.seq, { kind: 'queued', id: r.id, coalesced: r.coalesced, withBase });
    } catch (e) {
      this.report(scan.seq, { kind: 'refused', reason: errorCode(e) === 'NOT_FOUND' ? 'not-found' : 'agent', message: errorMessage(e) });
    }
  }
}

function batchKey(s: Scan): string {
  return JSON.stringify([s.company ?? '', Object.keys(s.fields).sort()]);
}
