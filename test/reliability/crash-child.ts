/**
 * The process the crash torture kills: opens the outbox in TORTURE_DATA_DIR and drains it
 * against the simulator at TORTURE_SIM_URL (which lives in the parent, so its state and write
 * log survive every kill). Prints phase markers (`@@GET`, `@@BETWEEN`, `@@PATCH`, `@@COMMIT`)
 * so the parent can kill at a chosen moment; when TORTURE_STALL names a phase, the child SIGKILLs
 * itself there (synchronously, inside the transaction for COMMIT) after TORTURE_SKIP earlier
 * occurrences, so the kill lands exactly in that phase — without waiting on a parent whose own
 * event loop may be blocked on this child's write lock.
 */
import path from 'node:path';
import { createDispatcher, D365Client } from '../../core/d365/client.ts';
import { PROFILES } from '../../core/d365/profile.ts';
import { EntraTokenSource } from '../../core/d365/token.ts';
import { Drainer } from '../../core/engine/drainer.ts';
import { EventBus } from '../../core/events.ts';
import { Metrics } from '../../core/metrics.ts';
import { Outbox } from '../../core/outbox/outbox.ts';

const env = process.env;
const simUrl = env.TORTURE_SIM_URL!;
const stall = env.TORTURE_STALL ?? '';
let skip = Number(env.TORTURE_SKIP ?? '0');
// Pipes to the parent are synchronous on Linux: the marker is out before the next statement.
function mark(phase: string): void {
  process.stdout.write(`@@${phase}\n`);
  if (phase !== stall) return;
  if (skip-- > 0) return;
  // Nothing else of this process runs after the marker: the kill lands right here.
  process.kill(process.pid, 'SIGKILL');
}

const outbox = Outbox.open(path.join(env.TORTURE_DATA_DIR!, 'outbox.sqlite'));
for (const n of outbox.notices()) process.stderr.write(`notice: ${n.message}\n`);
const transaction = outbox.transaction.bind(outbox);
outbox.transaction = <T>(fn: () => T): T =>
  transaction(() => {
    const result = fn();
    mark('COMMIT');
    return result;
  });

const dispatcher = createDispatcher({ connectMs: 1000, headersMs: 2000, bodyMs: 2000 });
const tokens = new EntraTokenSource(
  { authorityUrl: simUrl, tenant: 'sim-tenant', clientId: 'outbox-agent', scope: `${simUrl}/.default` },
  async () => 'sim-secret',
  dispatcher,
);
const client = new D365Client({ serviceRoot: `${simUrl}/data`, profile: PROFILES.fo, tokens, dispatcher });
// Hooked where the engine talks to D365 ($batch or single requests alike).
const readOrders = client.readOrders.bind(client);
client.readOrders = async (keys, fields) => {
  mark('GET');
  const snapshots = await readOrders(keys, fields);
  mark('BETWEEN');
  return snapshots;
};
const writeOrders = client.writeOrders.bind(client);
client.writeOrders = async (items, ahead) => {
  mark('PATCH');
  return writeOrders(items, ahead);
};

const metrics = new Metrics(outbox.db);
const drainer = new Drainer(outbox, client, new EventBus(), metrics, {
  retry: { retryLimit: 3, backoffMs: [10, 20, 40], jitter: 0.25 },
  gaveUpDelayMs: 100,
  probeMinMs: 20,
  probeMaxMs: 200,
  pollMs: 20,
  // several orders per $batch, so a kill can land between the parts of one exchange
  batchSize: Number(env.TORTURE_BATCH ?? '8'),
});
const summary = await drainer.drainUntilIdle();
process.stdout.write(`@@IDLE ${JSON.stringify(summary)}\n`);
await dispatcher.close();
outbox.close();
