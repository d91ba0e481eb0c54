/**
 * A $metadata that never answers must not hold a person at the desk, nor the agent at close:
 * the update is queued with the "not checked yet" note after the bounded wait, later enqueues
 * do not wait again, and closing the agent gives up the read in flight.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../core/agent.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { Simulator } from '../../core/simulator/simulator.ts';

let sim: Simulator | null = null;
let dir = '';
afterEach(async () => {
  await sim?.stop();
  sim = null;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a $metadata read that never answers', () => {
  it('queues with the note after the bounded wait, does not make the next enqueue wait, and does not hold close', { timeout: 30_000 }, async () => {
    sim = await Simulator.start({ orders: 5 });
    sim.script({ method: 'GET', pathIncludes: '$metadata', kind: 'timeout' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-meta-stall-'));
    const agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'tester' });
    await agent.api().saveSettings({
      connection: { profile: 'fo', environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl },
      secret: 'sim-secret',
    });
    const first = await agent.api().enqueue({ orderNumber: 'SO-000001', fields: { SalesOrderStatus: 'Delivered' } });
    expect(first.note).toBe("Not checked yet: D365's $metadata could not be read (no answer within 3000 ms); the update was queued as typed and D365 checks it when it is sent.");
    // the read is still in flight: the next enqueue does not wait for it again, nor start another
    let waited = true;
    const second = agent.api().enqueue({ orderNumber: 'SO-000002', fields: { SalesOrderStatus: 'Delivered' } }).finally(() => (waited = false));
    // no timer of the agent's stands between the call and its answer: a few turns of the loop are enough
    for (let i = 0; i < 50 && waited; i++) await new Promise((r) => setImmediate(r));
    expect(waited).toBe(false);
    expect((await second).note).toBe(first.note);
    expect(sim.requestLog.filter((e) => e.path.endsWith('/$metadata'))).toHaveLength(1);
    expect((await agent.api().status()).counts.pending).toBe(2);
    // close gives up the read: it returns, and the held request ends unanswered
    await agent.close();
    expect(sim.requestLog.find((e) => e.path.endsWith('/$metadata'))?.status).toBe(0);
  });
});
