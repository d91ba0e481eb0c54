/**
 * Alert latency: from the simulator answering the GET that reveals a true conflict to the
 * conflict event reaching a subscriber of the AgentApi stream (in-process client).
 */
import fs from 'node:fs';
import { Agent } from '../../core/agent.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { median, tempDir, type Figure } from './common.ts';

export async function benchAlertLatency(samples = 30): Promise<Figure[]> {
  const dir = tempDir('alert');
  const agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'bench', demo: { orders: samples + 5 }, drainer: { pollMs: 5 } });
  const sim = agent.simulator!;
  const api = agent.api();
  const latencies: number[] = [];
  try {
    agent.start();
    for (let i = 1; i <= samples; i++) {
      const orderNumber = `SO-${String(i).padStart(6, '0')}`;
      const before = String(sim.order('USMF', orderNumber)!.DeliveryModeCode);
      sim.writeAsOtherUser('USMF', orderNumber, { DeliveryModeCode: 'THEIRS' });
      const arrived = new Promise<number>((resolve) => {
        const off = api.subscribe((e) => {
          if (e.type === 'conflict' && e.orderNumber === orderNumber) {
            off();
            resolve(performance.timeOrigin + performance.now());
          }
        });
      });
      await api.enqueue({ orderNumber, fields: { DeliveryModeCode: 'OURS' }, base: { DeliveryModeCode: before } });
      const at = await arrived;
      const answered = sim.requestLog.filter((e) => e.method === 'GET' && e.path.includes(orderNumber)).at(-1)!;
      latencies.push(at - answered.at);
    }
  } finally {
    await agent.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return [
    { name: `alert latency, conflict → AgentApi subscriber (median of ${samples})`, value: median(latencies), unit: 'ms', aim: '< 100' },
    { name: `alert latency, worst of ${samples}`, value: sorted.at(-1)!, unit: 'ms', aim: '< 100' },
  ];
}
