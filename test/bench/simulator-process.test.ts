/**
 * The simulator the drain-rate figures run against, in a process of its own: it answers over
 * real HTTP with the latency it was given, counts the data requests it saw (token requests
 * apart), and its process is gone once it is stopped.
 */
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../core/d365/client.ts';
import { buildRig } from '../core/engine/harness.ts';
import { SimulatorProcess } from './simulator-process.ts';

describe('the simulator in a process of its own', () => {
  it('serves the agent, waits its round trip, counts data requests and ends with stop', async () => {
    const sim = await SimulatorProcess.start({ orders: 3, latencyMs: 40 });
    const r = await buildRig({ simulator: sim, fast: false, dispatcher: createDispatcher() });
    try {
      const order = { company: 'USMF', orderNumber: 'SO-000002' };
      await r.client.getOrder(order, ['DeliveryModeCode']); // the token and the connection
      const before = await sim.dataRequests();
      const t = performance.now();
      const read = await r.client.getOrder(order, ['DeliveryModeCode']);
      expect(performance.now() - t).toBeGreaterThanOrEqual(40);
      await r.client.patchOrder(read, { DeliveryModeCode: 'R7' }, 'test');
      expect((await r.client.getOrder(order, ['DeliveryModeCode'])).values.DeliveryModeCode).toBe('R7');
      expect((await sim.dataRequests()) - before).toBe(3);
    } finally {
      await r.close();
    }
    // stopped: nothing listens any more
    await expect(fetch(`${sim.url}/data/$metadata`)).rejects.toThrow();
  });
});
