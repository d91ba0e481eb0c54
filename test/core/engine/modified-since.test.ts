/**
 * Issue 13 §3: an update queued without a base (offline) cannot know what the person saw. Where
 * the profile has a modification time, an order changed after the update was queued makes it a
 * conflict to confirm instead of a silent overwrite; an untouched order goes straight through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PROFILES } from '../../../core/d365/profile.ts';
import { rig, type Rig } from './harness.ts';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

describe('base-less updates where the profile has a modification time', () => {
  it('Business Central: changed after queueing → a conflict to confirm, untouched → sent', async () => {
    r = await rig({}, {}, PROFILES.bc);
    const company = r.sim.bcCompanyId('USMF');
    const touched = r.enqueue('SO-000001', { externalDocumentNumber: 'OURS' }, null, company);
    const quiet = r.enqueue('SO-000002', { externalDocumentNumber: 'OURS' }, null, company);
    // Another desk changes the first order (its lastModifiedDateTime moves) while we were offline.
    await new Promise((res) => setTimeout(res, 5));
    r.sim.writeAsOtherUser('USMF', 'SO-000001', { externalDocumentNumber: 'THEIRS' }, 'bc');
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 1, conflict: 1 });
    expect(r.outbox.get(touched)!.state).toBe('conflict');
    expect(r.seen.find((e) => e.type === 'conflict')).toMatchObject({ fields: [{ field: 'externalDocumentNumber', base: null, ours: 'OURS', theirs: 'THEIRS' }] });
    expect(r.sim.bcOrder('USMF', 'SO-000001')!.externalDocumentNumber).toBe('THEIRS');
    expect(r.outbox.get(quiet)!.state).toBe('done');
    // The person confirms: keep mine goes out.
    r.outbox.resolve(touched, { action: 'keep-mine' }, 'desk');
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 1 });
    expect(r.sim.bcOrder('USMF', 'SO-000001')!.externalDocumentNumber).toBe('OURS');
  });

  it('with a base given, a later change to other fields is noise, not a conflict', async () => {
    r = await rig({}, {}, PROFILES.bc);
    const company = r.sim.bcCompanyId('USMF');
    const before = String(r.sim.bcOrder('USMF', 'SO-000003')!.externalDocumentNumber ?? '');
    r.enqueue('SO-000003', { externalDocumentNumber: 'OURS' }, { externalDocumentNumber: before }, company);
    await new Promise((res) => setTimeout(res, 5));
    r.sim.writeAsOtherUser('USMF', 'SO-000003', { shipToContact: 'Someone' }, 'bc');
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 1, conflict: 0 });
  });

  it('F&O (no modification time in the profile): a base-less update is sent as before', async () => {
    r = await rig();
    r.enqueue('SO-000004', { DeliveryModeCode: 'OURS' });
    r.sim.writeAsOtherUser('USMF', 'SO-000004', { SalesOrderName: 'renamed' });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 1, conflict: 0 });
  });
});
