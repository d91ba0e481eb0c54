/**
 * Values typed by $metadata, checked when queued, through the Agent over real HTTP against the
 * simulator in all three flavours: the API (the form and scan mode), the CLI and CSV import.
 * The model is cached in the outbox: checks hold offline and after a restart, and the cache is
 * read again on connect and when it is a day old.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../core/agent.ts';
import type { AgentApi } from '../../../core/api.ts';
import { DemoSwitch } from '../../../core/demo.ts';
import { typeValue } from '../../../core/d365/edm-values.ts';
import type { ProfileName } from '../../../core/d365/profile.ts';
import type { Fields } from '../../../core/outbox/types.ts';
import { databaseFile } from '../../../core/paths.ts';
import { MemorySecretStore } from '../../../core/secrets.ts';
import type { Connection } from '../../../core/settings.ts';
import { Simulator } from '../../../core/simulator/simulator.ts';
import { runOutbox } from '../../main/cli/run-cli.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function simulator(): Promise<Simulator> {
  const sim = await Simulator.start({ orders: 30, seed: 12 });
  cleanup.push(() => sim.stop());
  return sim;
}

function folder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-meta-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function connection(profile: ProfileName, url: string): Connection {
  return { profile, environmentUrl: url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: url };
}

/** An agent on `dir`, connected to `url` (saveSettings, as Settings and `outbox connect` do). */
async function agentOn(dir: string, profile: ProfileName, url: string, extra: { now?: () => number; company?: string } = {}): Promise<{ agent: Agent; api: AgentApi }> {
  const agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'tester', now: extra.now, defaultCompany: extra.company });
  let closed = false;
  const close = async () => {
    if (!closed) await agent.close();
    closed = true;
  };
  cleanup.push(close);
  await agent.api().saveSettings({ connection: connection(profile, url), secret: 'sim-secret' });
  return { agent, api: agent.api() };
}

/** Reopens a folder as the agent does after a restart: the stored connection, nothing else. */
async function reopen(dir: string, now?: () => number): Promise<{ agent: Agent; api: AgentApi }> {
  const agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), envSecret: 'sim-secret', queuedBy: 'tester', now });
  cleanup.push(() => agent.close());
  return { agent, api: agent.api() };
}

const metadataReads = (sim: Simulator) => sim.requestLog.filter((e) => e.method === 'GET' && e.path.endsWith('/$metadata')).length;

/** The refusal a person reads, and proof that nothing was queued or changed. */
async function refusal(agent: Agent, orderNumber: string, fields: Fields): Promise<string> {
  const before = JSON.stringify(await agent.api().listUpdates({ limit: 1000 }));
  const r = await agent.invoke('enqueue', { orderNumber, fields, source: 'form' });
  expect(r.ok, `accepted: ${JSON.stringify(fields)}`).toBe(false);
  if (r.ok) return '';
  expect(r.error.code).toBe('BAD_INPUT');
  expect(JSON.stringify(await agent.api().listUpdates({ limit: 1000 }))).toBe(before);
  return r.error.message;
}

interface FlavourCase {
  profile: ProfileName;
  order: string;
  company?: (sim: Simulator) => string;
  refused: [Fields, string | RegExp][];
  /** typed as text, as the form and the CLI give them */
  good: Fields;
  /** what is queued and then held by D365 */
  typed: Fields;
  held: (sim: Simulator, order: string) => Record<string, unknown> | undefined;
  /** the same kind of value as CLI text */
  cli: { argv: string[]; typed: Fields };
}

const FLAVOURS: FlavourCase[] = [
  {
    profile: 'fo',
    order: 'SO-000004',
    refused: [
      [{ SalesOrderStatus: 'Shipped' }, "SalesOrderStatus must be one of: Backorder, Delivered, Invoiced, Canceled — got 'Shipped'"],
      [{ RequestedShippingDate: '2027-02-03' }, /^RequestedShippingDate must be a date and time with its offset from UTC \(Edm\.DateTimeOffset\), e\.g\. 2027-02-03T12:00:00Z — got '2027-02-03'/],
      [{ RequestedShippingDate: '31/02/2027' }, /^RequestedShippingDate must be a date and time .* — got '31\/02\/2027'$/],
      [{ DeliveryModeCode: 'TRUCK-EXPRESS' }, "DeliveryModeCode must be at most 10 characters long (Edm.String, MaxLength 10) — got 13 characters: 'TRUCK-EXPRESS'"],
      [{ TotalDiscountPercentage: '12.345' }, "TotalDiscountPercentage must be a number (Edm.Decimal) with at most 5 digits, 2 of them after the decimal point — got '12.345'"],
      [{ SalesOrderNumber: 'SO-999999' }, /^SalesOrderNumber is part of the key of SalesOrderHeaderV2/],
      [{ SalesOrderStatus: 'Shipped', DeliveryModeCode: 20 }, /got 'Shipped'; DeliveryModeCode must be text \(Edm\.String\) — got the number 20/],
    ],
    good: { SalesOrderStatus: 'delivered', TotalDiscountPercentage: '12.5', RequestedShippingDate: '2027-02-03T12:00:00Z' },
    typed: { SalesOrderStatus: 'Delivered', TotalDiscountPercentage: 12.5, RequestedShippingDate: '2027-02-03T12:00:00Z' },
    held: (sim, order) => sim.order('USMF', order),
    cli: { argv: ['SalesOrderStatus=invoiced', 'TotalDiscountPercentage=7.25'], typed: { SalesOrderStatus: 'Invoiced', TotalDiscountPercentage: 7.25 } },
  },
  {
    profile: 'bc',
    order: 'SO-000005',
    company: (sim) => sim.bcCompanyId('USMF'),
    refused: [
      [{ requestedDeliveryDate: '2027-02-03T12:00:00Z' }, /^requestedDeliveryDate must be a date \(Edm\.Date\) written YYYY-MM-DD, e\.g\. 2027-02-03 — got '2027-02-03T12:00:00Z'/],
      [{ requestedDeliveryDate: '31/02/2027' }, "requestedDeliveryDate must be a date (Edm.Date) written YYYY-MM-DD, e.g. 2027-02-03 — got '31/02/2027'"],
      [{ requestedDeliveryDate: '2027-02-31' }, /February 2027 has no day 31/],
      [{ status: 'Shipped' }, "status must be one of: Draft, In Review, Open, Released — got 'Shipped'"],
      [{ shipmentMethodId: 'EXW' }, /^shipmentMethodId must be a GUID \(Edm\.Guid\)/],
      [{ externalDocumentNumber: 'E'.repeat(36) }, /^externalDocumentNumber must be at most 35 characters long/],
    ],
    good: { status: 'in review', requestedDeliveryDate: '2027-02-03' },
    typed: { status: 'In Review', requestedDeliveryDate: '2027-02-03' },
    held: (sim, order) => sim.bcOrder('USMF', order),
    cli: { argv: ['status=RELEASED', 'requestedDeliveryDate=2027-03-01'], typed: { status: 'Released', requestedDeliveryDate: '2027-03-01' } },
  },
  {
    profile: 'dataverse',
    order: 'SO-000006',
    refused: [
      [{ shippingmethodcode: '1.5' }, "shippingmethodcode must be a whole number (Edm.Int32) from -2147483648 to 2147483647 — got '1.5'"],
      [{ statecode: 'Fulfilled' }, /^statecode must be a whole number \(Edm\.Int32\)/],
      [{ willcall: 'yes' }, "willcall must be true or false (Edm.Boolean) — got 'yes'"],
      [{ requestdeliveryby: '2027-02-03T12:00:00Z' }, /^requestdeliveryby must be a date \(Edm\.Date\)/],
      [{ discountpercentage: '7,5' }, /got '7,5' \(write the decimal point as '\.'\)$/],
      [{ name: 'n'.repeat(301) }, /^name must be at most 300 characters long/],
    ],
    good: { willcall: 'true', shippingmethodcode: '4', discountpercentage: '7.25', requestdeliveryby: '2027-02-03' },
    typed: { willcall: true, shippingmethodcode: 4, discountpercentage: 7.25, requestdeliveryby: '2027-02-03' },
    held: (sim, order) => sim.dataverseOrder(order),
    cli: { argv: ['willcall=FALSE', 'shippingmethodcode=2'], typed: { willcall: false, shippingmethodcode: 2 } },
  },
];

describe.each(FLAVOURS)('$profile: every value is checked against the entity metadata when it is queued', (c) => {
  it('refuses each type with a message naming the field, the value and the type, queuing nothing', async () => {
    const sim = await simulator();
    const { agent } = await agentOn(folder(), c.profile, sim.url, { company: c.company?.(sim) });
    for (const [fields, message] of c.refused) {
      const said = await refusal(agent, c.order, fields);
      if (typeof message === 'string') expect(said).toBe(message);
      else expect(said).toMatch(message);
    }
  });

  it('queues good values read as their types, with no note, and D365 takes them as they are', async () => {
    const sim = await simulator();
    const { agent, api } = await agentOn(folder(), c.profile, sim.url, { company: c.company?.(sim) });
    const r = await api.enqueue({ orderNumber: c.order, fields: c.good });
    expect(r.note).toBeUndefined();
    expect((await api.getUpdate({ id: r.id })).update.fields).toEqual(c.typed);
    expect(await agent.drainUntilIdle()).toMatchObject({ done: 1, failed: 0, conflict: 0 });
    expect(c.held(sim, c.order)).toMatchObject(c.typed);
  });

  it('the CLI gives text: it is read by the field’s type from the cached $metadata, without connecting', async () => {
    const sim = await simulator();
    const dir = folder();
    const { agent, api } = await agentOn(dir, c.profile, sim.url, { company: c.company?.(sim) });
    expect(await api.fieldCatalog()).not.toBeNull();
    await agent.close();
    const reads = metadataReads(sim);
    const env = { OUTBOX_USER: 'tester', ...(c.company ? { OUTBOX_COMPANY: c.company(sim) } : {}) };
    const queued = await runOutbox(['--data-dir', dir, 'enqueue', c.order, ...c.cli.argv], { env });
    expect(queued.stderr).not.toMatch(/not checked/i);
    expect(queued.code, queued.stderr).toBe(0);
    const [name] = Object.keys(c.refused[0]![0]);
    const bad = await runOutbox(['--data-dir', dir, 'enqueue', c.order, `${name}=${String(Object.values(c.refused[0]![0])[0])}`], { env });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(typeof c.refused[0]![1] === 'string' ? c.refused[0]![1] : `${name} must be`);
    // the CLI never reached D365: the check came from the outbox
    expect(metadataReads(sim)).toBe(reads);
    const { api: again } = await reopen(dir);
    const list = await again.listUpdates({ limit: 10 });
    expect(list.items.map((u) => u.fields)).toEqual([c.cli.typed]);
  });
});

describe('a conflict resolved by editing the values', () => {
  it('checks the edited values like any queued value', async () => {
    const sim = await simulator();
    const { agent, api } = await agentOn(folder(), 'fo', sim.url);
    const { id } = await api.enqueue({ orderNumber: 'SO-000008', fields: { SalesOrderStatus: 'Delivered' }, base: { SalesOrderStatus: 'Backorder' } });
    sim.writeAsOtherUser('USMF', 'SO-000008', { SalesOrderStatus: 'Canceled' });
    expect(await agent.drainUntilIdle()).toMatchObject({ conflict: 1 });
    const bad = await agent.invoke('resolveConflict', { id, resolution: { action: 'edit', fields: { SalesOrderStatus: 'Shipped' } } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: "SalesOrderStatus must be one of: Backorder, Delivered, Invoiced, Canceled — got 'Shipped'" } });
    expect((await api.getUpdate({ id })).update.state).toBe('conflict');
    const edited = await api.resolveConflict({ id, resolution: { action: 'edit', fields: { SalesOrderStatus: 'invoiced' } } });
    expect(edited.fields).toEqual({ SalesOrderStatus: 'Invoiced' });
  });
});

describe('CSV import', () => {
  const csv = [
    'order,SalesOrderStatus,RequestedShippingDate,TotalDiscountPercentage',
    'SO-000001,Delivered,2027-02-03T12:00:00Z,5',
    'SO-000002,Shipped,,',
    'SO-000003,,03/02/2027,',
    'SO-000004,invoiced,,1.5',
    'SO-000005,Lost,2027-02-30T12:00:00Z,100.125',
    '',
  ].join('\n');

  it('reports every bad row by its line, queues nothing, and the CLI prints each as FILE:LINE', async () => {
    const sim = await simulator();
    const dir = folder();
    const { agent, api } = await agentOn(dir, 'fo', sim.url);
    const preview = await api.previewImport({ csv });
    expect(preview.note).toBeUndefined();
    expect(preview.problems.map((p) => p.line)).toEqual([3, 4, 6]);
    expect(preview.problems[0]!.message).toBe("SalesOrderStatus must be one of: Backorder, Delivered, Invoiced, Canceled — got 'Shipped'");
    expect(preview.problems[1]!.message).toMatch(/^RequestedShippingDate must be a date and time .* — got '03\/02\/2027'$/);
    expect(preview.problems[2]!.message).toMatch(/got 'Lost'; RequestedShippingDate .*February 2027 has no day 30.*; TotalDiscountPercentage .* got '100.125'$/);
    const r = await agent.invoke('importCsv', { csv });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(!r.ok && r.error.message).toMatch(/^3 row\(s\) are wrong, nothing was imported: line 3: SalesOrderStatus must be one of/);
    expect((await api.status()).counts.pending).toBe(0);
    await agent.close();

    const file = path.join(dir, 'orders.csv');
    fs.writeFileSync(file, csv);
    const cli = await runOutbox(['--data-dir', dir, 'import', file], { env: { OUTBOX_USER: 'tester' } });
    expect(cli.code).toBe(2);
    const lines = cli.stderr.trim().split('\n');
    expect(lines.slice(0, 3).map((l) => l.slice(0, file.length + 3))).toEqual([`${file}:3:`, `${file}:4:`, `${file}:6:`]);
    expect(lines[3]).toBe(`outbox: import: 3 bad rows in ${file}; nothing was queued`);
  });

  it('queues a good file with its values typed; a column D365 does not have is one problem of the header', async () => {
    const sim = await simulator();
    const { api } = await agentOn(folder(), 'fo', sim.url);
    const good = await api.importCsv({ csv: 'order,SalesOrderStatus,TotalDiscountPercentage\nSO-000001,delivered,5\nSO-000002,Canceled,0.5\n' });
    expect(good).toEqual({ queued: 2, merged: 0 });
    expect((await api.listUpdates({ limit: 10 })).items.map((u) => u.fields).sort((a, b) => String(a.SalesOrderStatus).localeCompare(String(b.SalesOrderStatus)))).toEqual([
      { SalesOrderStatus: 'Canceled', TotalDiscountPercentage: 0.5 },
      { SalesOrderStatus: 'Delivered', TotalDiscountPercentage: 5 },
    ]);
    const typo = await api.previewImport({ csv: 'order,SalesOrderStatuss\nSO-1,Delivered\nSO-2,Delivered\nSO-3,Delivered\n' });
    expect(typo.problems).toEqual([{ line: 1, message: 'column SalesOrderHeadersV2 has no field "SalesOrderStatuss" (did you mean SalesOrderStatus?)' }]);
  });
});

describe('the cache of $metadata in the outbox', () => {
  it('is read on connect, before anything is queued', async () => {
    const sim = await simulator();
    const dir = folder();
    await agentOn(dir, 'fo', sim.url);
    for (let i = 0; i < 250 && metadataReads(sim) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(metadataReads(sim)).toBe(1);
  });

  it('survives a restart and keeps offline queuing checked; a good value is queued without a note', async () => {
    const sim = await simulator();
    const dir = folder();
    const first = await agentOn(dir, 'fo', sim.url);
    const catalog = await first.api.fieldCatalog();
    expect(catalog).not.toBeNull();
    await first.agent.close();
    await sim.stop();

    const { agent, api } = await reopen(dir);
    // D365 is gone: the copy kept in the outbox is what values are checked against
    expect(await api.fieldCatalog()).toEqual(catalog);
    expect(await refusal(agent, 'SO-000001', { SalesOrderStatus: 'Shipped' })).toBe("SalesOrderStatus must be one of: Backorder, Delivered, Invoiced, Canceled — got 'Shipped'");
    const ok = await api.enqueue({ orderNumber: 'SO-000001', fields: { SalesOrderStatus: 'delivered' } });
    expect(ok.note).toBeUndefined();
    expect((await api.getUpdate({ id: ok.id })).update.fields).toEqual({ SalesOrderStatus: 'Delivered' });
  });

  it('with no copy and D365 unreachable, queues as typed with the visible note "not checked yet"', { timeout: 20_000 }, async () => {
    const down = await Simulator.start({ orders: 1 });
    const url = down.url;
    await down.stop();
    const { api } = await agentOn(folder(), 'fo', url);
    const r = await api.enqueue({ orderNumber: 'SO-000001', fields: { SalesOrderStatus: 'Shipped', NoSuchField: '1' } });
    expect(r.note).toMatch(/^Not checked yet: D365's \$metadata could not be read \(.*D365 is not reachable — connection refused\); the update was queued as typed/);
    expect((await api.getUpdate({ id: r.id })).update.fields).toEqual({ SalesOrderStatus: 'Shipped', NoSuchField: '1' });
    expect(await api.fieldCatalog()).toBeNull();
    const imported = await api.importCsv({ csv: 'order,SalesOrderStatus\nSO-000002,Shipped\n' });
    expect(imported).toMatchObject({ queued: 1, note: expect.stringMatching(/^Not checked yet: /) });
    expect((await api.previewImport({ csv: 'order,SalesOrderStatus\nSO-000002,Shipped\n' })).note).toMatch(/^Not checked yet: /);
    expect((await api.status()).counts.pending).toBe(2);
  });

  it('set up but never read, the CLI queues with the note on stderr; with no connection at all the not-connected line says it', { timeout: 20_000 }, async () => {
    const down = await Simulator.start({ orders: 1 });
    const url = down.url;
    await down.stop();
    const dir = folder();
    const { agent } = await agentOn(dir, 'fo', url);
    await agent.close();
    const r = await runOutbox(['--data-dir', dir, 'enqueue', 'SO-1', 'SalesOrderStatus=Shipped'], { env: { OUTBOX_USER: 'tester' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`outbox: Not checked yet: no copy of D365's $metadata is kept here for ${url}/data (it is read when the agent connects)`);
    const bare = await runOutbox(['--data-dir', folder(), 'enqueue', 'SO-1', 'SalesOrderStatus=Shipped'], { env: { OUTBOX_USER: 'tester' } });
    expect(bare).toEqual({ code: 0, stdout: '1\n', stderr: 'outbox: Not connected to D365: 1 update waiting. Run `outbox connect …` or open Settings.\n' });
    // the API (the form) carries the note either way
    const plain = await Agent.open({ dataDir: folder(), secrets: new MemorySecretStore(), queuedBy: 'tester' });
    cleanup.push(() => plain.close());
    expect((await plain.api().enqueue({ orderNumber: 'SO-1', fields: { A: '1' } })).note).toMatch(/^Not checked yet: no D365 connection is set up/);
  });

  it('is read again after a day; until then not at all, and a stale copy still checks while D365 is away', async () => {
    const sim = await simulator();
    let clock = Date.UTC(2027, 0, 4, 8, 0, 0);
    const now = () => clock;
    const { agent, api } = await agentOn(folder(), 'fo', sim.url, { now });
    const first = await api.fieldCatalog();
    expect(first?.checkedAt).toBe(Date.UTC(2027, 0, 4, 8, 0, 0));
    expect(metadataReads(sim)).toBe(1);

    clock += 23 * 3600_000;
    await api.enqueue({ orderNumber: 'SO-000001', fields: { DeliveryModeCode: '20' } });
    expect(metadataReads(sim)).toBe(1);

    clock += 2 * 3600_000;
    await api.enqueue({ orderNumber: 'SO-000002', fields: { DeliveryModeCode: '20' } });
    expect(metadataReads(sim)).toBe(2);
    expect((await api.fieldCatalog())?.checkedAt).toBe(Date.UTC(2027, 0, 5, 9, 0, 0));

    // another day on, D365 answers $metadata with an outage: the day-old copy still decides
    clock += 25 * 3600_000;
    sim.script({ method: 'GET', pathIncludes: '$metadata', kind: 'status', status: 503, body: '{"error":{"message":"down"}}' });
    expect(await refusal(agent, 'SO-000003', { SalesOrderStatus: 'Shipped' })).toMatch(/must be one of/);
    expect(metadataReads(sim)).toBe(3);
    expect((await api.fieldCatalog())?.checkedAt).toBe(Date.UTC(2027, 0, 5, 9, 0, 0));
  });
});

describe('the cache keeps one connection’s model', () => {
  it('a copy from the future (the clock was set back) is read again; another connection’s copy is dropped', async () => {
    const sim = await simulator();
    let clock = Date.UTC(2027, 5, 1, 12, 0, 0);
    const dir = folder();
    const { api } = await agentOn(dir, 'fo', sim.url, { now: () => clock });
    await api.fieldCatalog();
    expect(metadataReads(sim)).toBe(1);
    clock -= 2 * 3600_000;
    await api.enqueue({ orderNumber: 'SO-000001', fields: { DeliveryModeCode: '20' } });
    expect(metadataReads(sim)).toBe(2);

    const other = await simulator();
    await api.saveSettings({ connection: connection('fo', other.url), secret: 'sim-secret' });
    expect(await api.fieldCatalog()).not.toBeNull();
    const db = new BetterSqlite3(databaseFile(dir), { readonly: true });
    try {
      expect(db.prepare('SELECT service_root FROM metadata_cache').pluck().all()).toEqual([`${other.url}/data`]);
    } finally {
      db.close();
    }
  });
});

describe('fieldCatalog, for the form', () => {
  it('offers every field that may change with its type and facets, enum members as choices; keys are left out', async () => {
    const sim = await simulator();
    const { api } = await agentOn(folder(), 'fo', sim.url);
    const catalog = await api.fieldCatalog();
    expect(catalog).toMatchObject({ entitySet: 'SalesOrderHeadersV2', checkedAt: expect.any(Number) });
    const names = catalog!.fields.map((f) => f.name);
    expect(names).not.toContain('dataAreaId');
    expect(names).not.toContain('SalesOrderNumber');
    expect(catalog!.fields.find((f) => f.name === 'SalesOrderStatus')).toEqual({
      name: 'SalesOrderStatus',
      type: 'Microsoft.Dynamics.DataEntities.SalesStatus',
      nullable: false,
      members: ['Backorder', 'Delivered', 'Invoiced', 'Canceled'],
    });
    expect(catalog!.fields.find((f) => f.name === 'DeliveryModeCode')).toEqual({ name: 'DeliveryModeCode', type: 'Edm.String', maxLength: 10, nullable: false });
    expect(catalog!.fields.find((f) => f.name === 'TotalDiscountPercentage')).toEqual({ name: 'TotalDiscountPercentage', type: 'Edm.Decimal', precision: 5, scale: 2, nullable: false });
  });

  it('is null with no connection set up', async () => {
    const agent = await Agent.open({ dataDir: folder(), secrets: new MemorySecretStore(), queuedBy: 'tester' });
    cleanup.push(() => agent.close());
    expect(await agent.api().fieldCatalog()).toBeNull();
  });
});

describe('the demo', () => {
  it('queues its desk changes in the types the simulator declares: none is refused or unchecked', async () => {
    const dir = folder();
    const host = await DemoSwitch.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'tester', startInDemo: true, deskEveryMs: 3_600_000 });
    cleanup.push(() => host.close());
    const api = host.api();
    const catalog = await api.fieldCatalog();
    const declared = catalog!.fields.find((f) => f.name === 'RequestedShippingDate')!;
    const updates = (await api.listUpdates({ limit: 50 })).items;
    expect(updates).toHaveLength(6);
    const dates = updates.flatMap((u) => (u.fields.RequestedShippingDate === undefined ? [] : [u.fields.RequestedShippingDate]));
    expect(dates.length).toBe(2);
    for (const d of dates) expect(typeValue({ ...declared, nullable: false }, d)).toEqual({ ok: true, value: d });
  });
});
