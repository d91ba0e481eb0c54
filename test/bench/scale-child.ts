// The agent's share of the scale benchmark: open the big outbox, drain for a while, report memory.
import path from 'node:path';
import { createDispatcher, D365Client } from '../../core/d365/client.ts';
import { PROFILES } from '../../core/d365/profile.ts';
import { EntraTokenSource } from '../../core/d365/token.ts';
import { Drainer } from '../../core/engine/drainer.ts';
import { EventBus } from '../../core/events.ts';
import { Metrics } from '../../core/metrics.ts';
import { Outbox } from '../../core/outbox/outbox.ts';

const simUrl = process.env.BENCH_SIM_URL!;
const outbox = Outbox.open(path.join(process.env.BENCH_DATA_DIR!, 'outbox.sqlite'));
const dispatcher = createDispatcher();
const tokens = new EntraTokenSource({ authorityUrl: simUrl, tenant: 'sim-tenant', clientId: 'outbox-agent', scope: `${simUrl}/.default` }, async () => 'sim-secret', dispatcher);
const client = new D365Client({ serviceRoot: `${simUrl}/data`, profile: PROFILES.fo, tokens, dispatcher });
const events = new EventBus();
let done = 0;
events.subscribe((e) => {
  if (e.type === 'done') done++;
});
const drainer = new Drainer(outbox, client, events, new Metrics(outbox.db), { batchSize: 50 });
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
drainer.start();
await new Promise((r) => setTimeout(r, Number(process.env.BENCH_SECONDS ?? 5) * 1000));
await drainer.stop();
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
outbox.close();
await dispatcher.close();
console.log(JSON.stringify({ peakMb: peak / 1024 / 1024, done }));
