/**
 * Alert latency: from the simulator answering the GET that reveals a true conflict to the
 * conflict event reaching a subscriber of the AgentApi stream (in-process client). Beside it,
 * same run: a bare GET round trip to the same simulator, the smallest thing that could tell.
 */
import fs from 'node:fs';
import { Agent } from '../../core/agent.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { figure, median, ms, tempDir, type Baseline, type Figure } from './common.ts';

export async function benchAlertLatency(samples = 30): Promise<Figure[]> {
  const dir = tempDir('alert');
  const agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'bench', demo: { orders: samples + 5 }, drainer: { pollMs: 5 } });
  const sim = agent.simulator!;
  const api = agent.api();
  const latencies: number[] = [];
  const bareGets: number[] = [];
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
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'outbox-agent', client_secret: 'sim-secret', scope: `${sim.url}/.default` });
    const token = ((await (await fetch(`${sim.authorityUrl}/sim-tenant/oauth2/v2.0/token`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token;
    for (let i = 1; i <= samples; i++) {
      const t = process.hrtime.bigint();
      const res = await fetch(`${sim.foDataUrl}/SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-000001')?cross-company=true&$select=DeliveryModeCode`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (res.status !== 200) throw new Error(`alert bench: the bare GET answered ${res.status}`);
      await res.text();
      bareGets.push(ms(t));
    }
  } finally {
    await agent.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const bare: Baseline = { name: `a bare GET round trip to the same simulator (median of ${samples})`, value: median(bareGets), unit: 'ms', kind: 'measured' };
  return [
    figure('alert.latency.p50.ms', `alert latency, conflict answered → AgentApi subscriber (median of ${samples})`, median(latencies), 'ms', bare, '< 100'),
    figure('alert.latency.max.ms', `alert latency, worst of ${samples}`, sorted.at(-1)!, 'ms', bare, '< 100'),
  ];
}
