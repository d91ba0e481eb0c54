/**
 * The queue-time check against $metadata that someone else wrote: SAP CAP (the interop suite's
 * third-party OData v4 server) declares its dates Edm.Date and its status as an Edm.String with
 * Validation.AllowedValues in an Annotations block apart from the entity. The agent, with only
 * the URL and authority changed, refuses at queue time what CAP would refuse at send time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../core/agent.ts';
import { MemorySecretStore } from '../../../core/secrets.ts';
import { AGENT_CLIENT, D365Server, TENANT } from '../../interop/d365-server.ts';

let server: D365Server;
let agent: Agent;
let dir: string;

beforeAll(async () => {
  server = await D365Server.start({ orders: 10 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-meta-cap-'));
  agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'tester' });
  await agent.api().saveSettings({
    connection: { profile: 'fo', environmentUrl: server.url, tenant: TENANT, clientId: AGENT_CLIENT.clientId, authorityUrl: server.authorityUrl },
    secret: AGENT_CLIENT.secret,
  });
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the agent against SAP CAP’s $metadata', () => {
  it('reads CAP’s entity: Edm.Date, lengths, allowed values from an Annotations block, computed fields', async () => {
    const catalog = await agent.api().fieldCatalog();
    expect(catalog).not.toBeNull();
    const field = (name: string) => catalog!.fields.find((f) => f.name === name);
    expect(field('RequestedShippingDate')).toEqual({ name: 'RequestedShippingDate', type: 'Edm.Date', nullable: true });
    expect(field('SalesOrderStatus')).toEqual({ name: 'SalesOrderStatus', type: 'Edm.String', maxLength: 20, nullable: true, members: ['Backorder', 'Delivered', 'Invoiced', 'Canceled'] });
    // keys and what CAP computes itself are not offered
    expect(field('SalesOrderNumber')).toBeUndefined();
    expect(field('ModifiedDateTime')).toBeUndefined();
  });

  it('refuses at queue time what CAP refuses at send time (ASSERT_DATA_TYPE, ASSERT_ENUM), and sends what it takes', async () => {
    const refused = async (fields: Record<string, string>) => {
      const r = await agent.invoke('enqueue', { orderNumber: 'SO-000005', fields });
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.error.message;
    };
    expect(await refused({ RequestedShippingDate: '2027-02-03T12:00:00Z' })).toMatch(/^RequestedShippingDate must be a date \(Edm\.Date\) written YYYY-MM-DD/);
    expect(await refused({ SalesOrderStatus: 'Shipped' })).toBe("SalesOrderStatus must be one of: Backorder, Delivered, Invoiced, Canceled — got 'Shipped'");
    expect(await refused({ ModifiedDateTime: '2027-02-03T12:00:00Z' })).toBe('ModifiedDateTime is set by D365 itself (Core.Computed) and cannot be changed');
    expect((await agent.api().status()).counts.pending).toBe(0);

    const ok = await agent.api().enqueue({ orderNumber: 'SO-000005', fields: { RequestedShippingDate: '2027-02-03', SalesOrderStatus: 'delivered' } });
    expect(ok.note).toBeUndefined();
    expect(await agent.drainUntilIdle()).toMatchObject({ done: 1, failed: 0 });
    const written = (await server.writes()).filter((w) => w.orderNumber === 'SO-000005');
    expect(written.at(-1)?.fields).toMatchObject({ RequestedShippingDate: '2027-02-03', SalesOrderStatus: 'Delivered' });
  });
});
