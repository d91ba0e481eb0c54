/**
 * Issue 10 §1: a change queued while its order is being sent is never marked done unsent.
 * Real processes (the CLI as a person runs it) against the simulator answering slowly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Simulator } from '../../core/simulator/simulator.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { serve } from '../../main/server/serve.ts';
import { runCliProcess, startCli, waitFor } from '../support/cli-process.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function connectedFolder(sim: Simulator): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-inflight-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { OUTBOX_DATA_DIR: dir, OUTBOX_CLIENT_SECRET: 'sim-secret' };
  const r = await runCliProcess(['connect', '--url', sim.url, '--tenant', 'sim-tenant', '--client-id', 'outbox-agent', '--authority', sim.authorityUrl], env);
  expect(r.stderr + r.stdout).toMatch(/Connected to/);
  return { dir, env };
}

describe('a change queued while its order is in flight', () => {
  it('is sent after the first one, and each update records exactly what D365 received', async () => {
    const sim = await Simulator.start({ orders: 60 });
    cleanup.push(() => sim.stop());
    const { env } = await connectedFolder(sim);
    expect((await runCliProcess(['enqueue', 'SO-000050', 'CustomerRequisitionNumber=FIRST'], env)).code).toBe(0);

    sim.setLatency(1500);
    const before = sim.requestLog.length;
    const drain = startCli(['drain', '--until-idle'], env);
    // Signed in (1.5 s), so its GET of the order is on the wire for the next 1.5 s: queue the second change now.
    await waitFor('the drain to sign in', () => sim.requestLog.slice(before).some((r) => r.path.includes('oauth2')), 30_000);
    const second = await runCliProcess(['enqueue', 'SO-000050', 'CustomerRequisitionNumber=SECOND'], env);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/merged/);
    expect(second.stderr).toMatch(/queued behind update 1/);
    const drained = await drain.done;
    expect(drained.code).toBe(0);
    expect(drained.stdout).toMatch(/summary: 2 done/);

    const clientWrites = sim.writeLog.filter((w) => w.by === 'client' && w.orderNumber === 'SO-000050');
    expect(clientWrites.map((w) => w.fields.CustomerRequisitionNumber)).toEqual(['FIRST', 'SECOND']);
    expect(sim.order('USMF', 'SO-000050')!.CustomerRequisitionNumber).toBe('SECOND');
    for (const id of [1, 2]) {
      const shown = JSON.parse((await runCliProcess(['show', String(id), '--json'], env)).stdout) as {
        state: string;
        fields: Record<string, string>;
        history: { kind: string; detail: { sent?: Record<string, string> } }[];
      };
      expect(shown.state).toBe('done');
      const sent = shown.history.find((h) => h.kind === 'done')!.detail.sent;
      expect(sent).toEqual(shown.fields);
    }
  }, 60_000);

  it('two /api/enqueue calls 0.5 s apart under serve (the desk form) send both, in order', async () => {
    const sim = await Simulator.start({ orders: 60 });
    cleanup.push(() => sim.stop());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-inflight-serve-'));
    const ui = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-inflight-ui-'));
    fs.writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>Outbox Agent</title>');
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    cleanup.push(() => fs.rmSync(ui, { recursive: true, force: true }));
    const server = await serve({ dataDir: dir, uiDir: ui, env: { OUTBOX_USER: 'desk@test' }, secrets: new MemorySecretStore(), log: () => {}, drainer: { pollMs: 20 } });
    cleanup.push(() => server.close());
    const call = async (method: string, args: unknown) => {
      const res = await fetch(new URL(`/api/${method}`, server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
        body: JSON.stringify({ args }),
      });
      const body = (await res.json()) as { ok: boolean; value?: { id: number; coalesced: boolean; behind?: number } };
      expect(body.ok).toBe(true);
      return body.value!;
    };
    await call('saveSettings', { connection: { profile: 'fo', environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl }, secret: 'sim-secret' });
    sim.setLatency(400);
    const first = await call('enqueue', { orderNumber: 'SO-000051', fields: { CustomerRequisitionNumber: 'FIRST' } });
    await new Promise((r) => setTimeout(r, 500));
    const second = await call('enqueue', { orderNumber: 'SO-000051', fields: { CustomerRequisitionNumber: 'SECOND' } });
    expect(second.coalesced).toBe(false);
    expect(second.behind).toBe(first.id);
    await waitFor('both sent', () => sim.writeLog.filter((w) => w.by === 'client' && w.orderNumber === 'SO-000051').length === 2, 20_000);
    expect(sim.writeLog.filter((w) => w.by === 'client' && w.orderNumber === 'SO-000051').map((w) => w.fields.CustomerRequisitionNumber)).toEqual(['FIRST', 'SECOND']);
    expect(sim.order('USMF', 'SO-000051')!.CustomerRequisitionNumber).toBe('SECOND');
  }, 60_000);
});
