/**
 * The drain the history checker kills: the agent's own parts (AgentRig) on the outbox file in
 * INTEROP_OUTBOX, pointed at the fixture in INTEROP_TARGET, one request at a time. Prints
 * `@@GET <order>` / `@@PATCH <order>` before each request and `@@IDLE {summary}` at the end,
 * so the parent knows where a kill landed.
 */
import { AgentRig, type Target } from './agent-rig.ts';

const target = JSON.parse(process.env.INTEROP_TARGET ?? '') as Target;
const rig = new AgentRig(target, {
  outboxFile: process.env.INTEROP_OUTBOX!,
  drainer: { batchSize: 1 },
  beforeSend: async (calls) => {
    for (const c of calls) process.stdout.write(`@@${c.method} ${c.orderNumber}\n`);
  },
});
const summary = await rig.drainer.drainUntilIdle();
process.stdout.write(`@@IDLE ${JSON.stringify(summary)}\n`);
await rig.close();
