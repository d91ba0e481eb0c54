import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../core/agent.ts';
import { MemorySecretStore } from '../../../core/secrets.ts';
import { STRICT_SERVER, Simulator, type BatchRules } from '../../../core/simulator/simulator.ts';

let dir: string;
let sim: Simulator | undefined;
let agent: Agent | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-batch-memory-'));
});

afterEach(async () => {
  await agent?.close();
  agent = undefined;
  await sim?.stop();
  sim = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const order = (i: number) => `SO-${String(i).padStart(6, '0')}`;
const batches = () => sim!.requestLog.filter((e) => e.method === 'POST' && e.path === '/data/$batch');

async function startSim(rules: Partial<BatchRules>): Promise<void> {
  sim = await Simulator.start({ orders: 10, batchRules: rules });
}

/** An agent on a real data folder, connected to the simulator as if it were a D365 environment. */
async function openAgent(connect: boolean): Promise<Agent> {
  const a = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), envSecret: 'sim-secret', queuedBy: 'tester', drainer: { pollMs: 50 } });
  if (connect) {
    await a.api().saveSettings({
      connection: { profile: 'fo', environmentUrl: sim!.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim!.authorityUrl },
    });
  }
  return a;
}

async function drain(a: Agent, from: number, to: number, value: string): Promise<void> {
  for (let i = from; i <= to; i++) await a.api().enqueue({ orderNumber: order(i), fields: { DeliveryModeCode: `${value}${i}` }, source: 'form' });
  expect(await a.drainUntilIdle()).toMatchObject({ done: to - from + 1 });
}

describe("what the client learns about a server's $batch, kept with the connection", () => {
  it('remembers the request-line form across restarts: the reopened agent does not ask again', async () => {
    await startSim({ ...STRICT_SERVER, requestLines: 'absolute-uri' });
    agent = await openAgent(true);
    await drain(agent, 1, 4, 'A');
    expect((await agent.api().getSettings()).connection?.batch).toEqual({ requestLines: 'absolute-uri' });
    const firstRun = batches().length;
    expect(firstRun).toBeGreaterThan(2);

    await agent.close();
    agent = await openAgent(false);
    await drain(agent, 5, 8, 'B');
    expect(batches().length - firstRun).toBe(2);
    for (let i = 5; i <= 8; i++) expect(sim!.order('USMF', order(i))!.DeliveryModeCode).toBe(`B${i}`);
  });

  it('keeps "single requests until …" and shows a notice in the status', async () => {
    await startSim(STRICT_SERVER);
    agent = await openAgent(true);
    const garbage = { kind: 'status', method: 'POST', pathIncludes: '$batch', status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' } as const;
    sim!.script(garbage, garbage);
    await drain(agent, 1, 4, 'S');
    const status = await agent.api().status();
    expect(status.notices.some((n) => /^Sending single requests to D365 until .*\$batch is tried again after that\.$/.test(n.message))).toBe(true);
    expect(status.drain.paused).toBeNull();
    const until = (await agent.api().getSettings()).connection?.batch?.singleRequestsUntil;
    expect(until).toBeGreaterThan(Date.now() + 5 * 3_600_000);

    await agent.close();
    agent = await openAgent(false);
    const before = batches().length;
    await drain(agent, 5, 7, 'T');
    expect(batches().length).toBe(before);
  });
});
