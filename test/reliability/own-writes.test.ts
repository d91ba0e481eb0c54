/**
 * Issue 10 §4: our own earlier write is not "someone else's". A PATCH D365 applied but whose
 * answer was lost is remembered; D365 holding that value is ours, not a conflict.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkFields } from '../../core/engine/etag-retry.ts';
import { faultRig } from './rig.ts';
import { nextEvent, type Rig } from '../core/engine/harness.ts';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

describe('our own earlier write', () => {
  it('applied, answer lost, drain killed, a newer value merged: sent without a false conflict', async () => {
    r = await faultRig({ sim: { orders: 5 } });
    const id = r.enqueue('SO-000001', { CustomerRequisitionNumber: 'FIRST' });
    // D365 applies the PATCH, then the connection resets before the answer.
    r.sim.script({ method: 'PATCH', kind: 'reset', applied: true });
    r.drainer.start();
    await nextEvent(r, (e) => e.type === 'paused' && e.reason === 'offline');
    await r.drainer.stop();
    expect(r.sim.order('USMF', 'SO-000001')!.CustomerRequisitionNumber).toBe('FIRST');
    // The person queues a newer value; the update was not being read, so it merges.
    const merged = r.enqueue('SO-000001', { CustomerRequisitionNumber: 'SECOND' });
    expect(merged).toBe(id);
    const summary = await r.drainer.drainUntilIdle();
    expect(summary).toMatchObject({ done: 1, conflict: 0 });
    expect(r.sim.order('USMF', 'SO-000001')!.CustomerRequisitionNumber).toBe('SECOND');
    expect(r.outbox.history(id).find((h) => h.kind === 'done')!.detail).toMatchObject({ sent: { CustomerRequisitionNumber: 'SECOND' } });
  });

  it('a later update queued behind an unfinished one treats the first one\'s value as ours', async () => {
    r = await faultRig({ sim: { orders: 5 } });
    const before = String(r.sim.order('USMF', 'SO-000002')!.DeliveryModeCode);
    // The desk saw `before` for both changes; the first is sent before the second is looked at.
    const first = r.enqueue('SO-000002', { DeliveryModeCode: 'AIR' }, { DeliveryModeCode: before });
    r.outbox.claim(first);
    const second = r.enqueue('SO-000002', { DeliveryModeCode: 'TRUCK' }, { DeliveryModeCode: before });
    expect(second).not.toBe(first);
    r.outbox.defer(first, Date.now(), null);
    const summary = await r.drainer.drainUntilIdle();
    expect(summary).toMatchObject({ done: 2, conflict: 0 });
    expect(r.sim.order('USMF', 'SO-000002')!.DeliveryModeCode).toBe('TRUCK');
  });

  it('someone else\'s value is still a conflict, even with our own values remembered', () => {
    const own = { DeliveryModeCode: ['AIR'] };
    expect(checkFields({ DeliveryModeCode: 'TRUCK' }, { DeliveryModeCode: '10' }, { DeliveryModeCode: 'AIR' }, {}, own).conflicts).toEqual([]);
    expect(checkFields({ DeliveryModeCode: 'TRUCK' }, { DeliveryModeCode: '10' }, { DeliveryModeCode: 'SEA' }, {}, own).conflicts).toEqual([
      { field: 'DeliveryModeCode', base: '10', ours: 'TRUCK', theirs: 'SEA' },
    ]);
  });
});
