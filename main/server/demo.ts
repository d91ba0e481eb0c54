import type { Agent } from '../../core/agent.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';

/** Other users keep touching orders, sometimes the very fields we change, so conflicts arrive. */
export const DEMO_SIMULATOR: SimulatorOptions = {
  autoCreate: true,
  // A visible round trip, so "sending" shows in the UI instead of flashing past.
  latencyMs: 60,
  writers: { perSecond: 0.5, onRequest: 0.15, sameFieldProbability: 0.3 },
};

const DEMO_CHANGES: { orderNumber: string; fields: Record<string, string> }[] = [
  { orderNumber: 'SO-000003', fields: { DeliveryModeCode: '30' } },
  { orderNumber: 'SO-000007', fields: { RequestedShippingDate: '2027-01-15T12:00:00Z' } },
  { orderNumber: 'SO-000011', fields: { CustomerRequisitionNumber: 'PO-4471' } },
  { orderNumber: 'SO-000015', fields: { SalesOrderStatus: 'Delivered' } },
  { orderNumber: 'SO-000019', fields: { DeliveryModeCode: '20', RequestedShippingDate: '2027-02-01T12:00:00Z' } },
  { orderNumber: 'SO-000023', fields: { SalesOrderName: 'Fabrikam Denver (rush)' } },
];

/** Someone in the office moved this order's date after the desk decided on it. */
const DEMO_CONFLICT = { orderNumber: 'SO-000007', fields: { RequestedShippingDate: '2027-01-29T12:00:00Z' } };

/**
 * A few updates so a fresh demo shows life. Each carries the base it was decided on, like the
 * form would, so background writers can turn some into true conflicts; one is sure to be, so
 * the Conflicts screen has something to show at once. Only into an empty outbox: restarting a
 * demo must not pile up copies. Call before the drain starts.
 */
export async function queueDemoUpdates(agent: Agent): Promise<number> {
  const sim = agent.sim;
  if (!sim) return 0;
  const status = await agent.status();
  if (Object.values(status.counts).some((n) => n > 0)) return 0;
  let queued = 0;
  for (const change of DEMO_CHANGES) {
    const current = sim.order('USMF', change.orderNumber);
    const base = current ? Object.fromEntries(Object.keys(change.fields).map((f) => [f, current[f] ?? null])) : null;
    const r = await agent.invoke('enqueue', { company: 'USMF', orderNumber: change.orderNumber, fields: change.fields, base, source: 'api' });
    if (r.ok) queued++;
  }
  sim.writeAsOtherUser('USMF', DEMO_CONFLICT.orderNumber, DEMO_CONFLICT.fields);
  return queued;
}
