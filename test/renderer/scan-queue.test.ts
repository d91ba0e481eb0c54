import { describe, expect, it } from 'vitest';
import { ApiError, type ApiInput, type OrdersLookup } from '../../core/api.ts';
import { ScanQueue, type BaseReading, type ScanOutcome } from '../../renderer/new-update/scan-queue.ts';
import { fakeApi } from './fake-api.ts';

/** A promise the test settles when it wants: D365 answering slowly, on cue. */
function later<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ScanQueue', () => {
  it('queues scans one after another in scan order, and scans made while D365 reads share the next read', async () => {
    const reads: { orders: string[]; answer: ReturnType<typeof later<OrdersLookup>> }[] = [];
    const enqueued: ApiInput<'enqueue'>[] = [];
    let id = 0;
    const api = fakeApi({
      lookupOrders: async (args) => {
        const answer = later<OrdersLookup>();
        reads.push({ orders: args.orderNumbers, answer });
        return answer.promise;
      },
      enqueue: async (args) => {
        enqueued.push(args);
        return { id: ++id, coalesced: false };
      },
    });
    const outcomes = new Map<number, ScanOutcome>();
    const q = new ScanQueue(api, (seq, o) => outcomes.set(seq, o));
    const fields = { SalesOrderStatus: 'Delivered' };
    q.add({ seq: 1, orderNumber: 'SO-1', company: undefined, fields, again: false });
    // Typed while the first read is on its way.
    for (const n of [2, 3, 4]) q.add({ seq: n, orderNumber: `SO-${n}`, company: undefined, fields, again: false });
    await tick();
    expect(reads.map((r) => r.orders)).toEqual([['SO-1']]);
    expect(outcomes.get(4)).toEqual({ kind: 'waiting' });

    const current = (n: string) => ({ orderNumber: n, values: { SalesOrderStatus: `was-${n}` }, etag: 'W/"1"' });
    reads[0]!.answer.resolve({ online: true, orders: [current('SO-1')] });
    await tick();
    expect(reads.map((r) => r.orders)).toEqual([['SO-1'], ['SO-2', 'SO-3', 'SO-4']]);
    reads[1]!.answer.resolve({ online: true, orders: [current('SO-2'), { orderNumber: 'SO-3', error: { code: 'NOT_FOUND', message: 'No SO-3 in USMF' } }, current('SO-4')] });
    await tick();
    await tick();

    expect(enqueued.map((e) => [e.orderNumber, e.base])).toEqual([
      ['SO-1', { SalesOrderStatus: 'was-SO-1' }],
      ['SO-2', { SalesOrderStatus: 'was-SO-2' }],
      ['SO-4', { SalesOrderStatus: 'was-SO-4' }],
    ]);
    expect(enqueued.every((e) => e.fields === fields && e.source === 'form')).toBe(true);
    expect(outcomes.get(1)).toEqual({ kind: 'queued', id: 1, coalesced: false, withBase: true });
    expect(outcomes.get(3)).toEqual({ kind: 'refused', reason: 'not-found', message: 'No SO-3 in USMF' });
    expect(outcomes.get(4)).toEqual({ kind: 'queued', id: 3, coalesced: false, withBase: true });
    expect(q.backlog).toBe(0);
  });

  it('queues without a base when D365 cannot be read, and says so', async () => {
    const readings: BaseReading[] = [];
    const api = fakeApi({
      lookupOrders: async () => ({ online: false, message: 'connect ECONNREFUSED' }),
      enqueue: async () => ({ id: 9, coalesced: true }),
    });
    const outcomes = new Map<number, ScanOutcome>();
    const q = new ScanQueue(api, (seq, o) => outcomes.set(seq, o), (r) => readings.push(r));
    q.add({ seq: 1, orderNumber: 'SO-9', company: 'DEMF', fields: { DeliveryModeCode: '30' }, again: true });
    await tick();
    await tick();
    expect(api.lookupOrders).toHaveBeenCalledWith({ orderNumbers: ['SO-9'], fields: ['DeliveryModeCode'], company: 'DEMF' });
    expect(api.enqueue).toHaveBeenCalledWith({ orderNumber: 'SO-9', fields: { DeliveryModeCode: '30' }, base: null, source: 'form', company: 'DEMF' });
    expect(outcomes.get(1)).toEqual({ kind: 'queued', id: 9, coalesced: true, withBase: false });
    expect(readings).toEqual([{ online: false, message: 'connect ECONNREFUSED' }]);
  });

  it('keeps going after the agent refuses one scan', async () => {
    // the fake parses with the contract's schemas: a bidi control in the order number is refused
    const api = fakeApi({
      lookupOrders: async () => ({ online: false, message: 'not connected' }),
      enqueue: async () => ({ id: 2, coalesced: false }),
    });
    const outcomes = new Map<number, ScanOutcome>();
    const q = new ScanQueue(api, (seq, o) => outcomes.set(seq, o));
    q.add({ seq: 1, orderNumber: 'SO-\u202e1', company: undefined, fields: { A: 'x' }, again: false });
    q.add({ seq: 2, orderNumber: 'SO-2', company: undefined, fields: { A: 'x' }, again: false });
    for (let i = 0; i < 5; i++) await tick();
    expect(outcomes.get(1)).toEqual({ kind: 'refused', reason: 'agent', message: expect.stringMatching(/^enqueue: invalid argument at orderNumber: .*contains an invisible character/) });
    expect(outcomes.get(2)).toEqual({ kind: 'queued', id: 2, coalesced: false, withBase: false });
  });
});
