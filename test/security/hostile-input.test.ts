import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFile } from '../../core/paths.ts';
import { Agent } from '../../core/agent.ts';
import { API_METHODS } from '../../core/api.ts';
import { planImport } from '../../core/csv/import.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { runOutbox } from '../main/cli/run-cli.ts';
import { writeFigures } from '../reliability/figures.ts';

let dir: string;
let agent: Agent;
let sim: Simulator;
let db: BetterSqlite3.Database;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-hostile-'));
  sim = await Simulator.start({ orders: 10, seed: 5 });
  agent = await Agent.open({ dataDir: dir, secrets: new MemorySecretStore(), queuedBy: 'tester' });
  await agent.api().saveSettings({
    connection: { profile: 'fo', environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl },
    secret: 'sim-secret',
  });
  db = new BetterSqlite3(databaseFile(dir), { readonly: true });
  // something already queued, which no hostile input may disturb
  await agent.api().enqueue({ orderNumber: 'SO-000001', fields: { DeliveryModeCode: '20' } });
  await agent.api().enqueue({ company: 'USMF', orderNumber: 'SO-000002', fields: { SalesOrderName: 'kept' } });
});

afterAll(async () => {
  db?.close();
  await agent?.close();
  await sim?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Counts plus a hash of every row of the updates, history and settings tables. */
function snapshot(): string {
  const h = createHash('sha256');
  for (const table of ['updates', 'update_events', 'conflicts', 'settings', 'state_counts']) {
    h.update(table);
    for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).iterate()) h.update(JSON.stringify(row));
  }
  return h.digest('hex');
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runOutbox(['--data-dir', dir, ...argv], { env: { OUTBOX_USER: 'tester' } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

interface Refusal {
  /** the error text a person reads */
  message: string;
}

const onCli = (...argv: string[]) => async (): Promise<Refusal> => {
  const r = await cli(...argv);
  expect(r.code, `exit code; stderr: ${r.err}`).toBeGreaterThan(0);
  expect(r.out).toBe('');
  return { message: r.err };
};

const onApi = (method: unknown, args: unknown) => async (): Promise<Refusal> => {
  const r = await agent.invoke(method, args);
  expect(r.ok, JSON.stringify(r)).toBe(false);
  if (r.ok) throw new Error('accepted');
  expect(r.error.code).toBe('BAD_INPUT');
  return { message: r.error.message };
};

const onPlan = (csv: string) => async (): Promise<Refusal> => {
  const plan = planImport(csv, { defaultCompany: 'USMF', queuedBy: 'tester' });
  expect(plan.problems.length).toBeGreaterThan(0);
  // the API refuses the same file whole, naming the same problem
  const r = await onApi('importCsv', { csv })();
  return { message: `${plan.problems.map((p) => `line ${p.line}: ${p.message}`).join('\n')}\n${r.message}` };
};

const connection = (over: Record<string, unknown>) => ({
  connection: { profile: 'fo', environmentUrl: 'https://contoso.operations.dynamics.com', tenant: 't', clientId: 'c', ...over },
});

const LONG = 'X'.repeat(10_000);
const hostileCsvFile = path.join(os.tmpdir(), `outbox-hostile-${process.pid}.csv`);

const CASES: [string, () => Promise<Refusal>, string | RegExp][] = [
  // ---- CLI ----
  ['cli: order number with a control character', onCli('enqueue', 'SO\u0007BELL', 'DeliveryModeCode=10'), '"SO\\u0007BELL"'],
  ['cli: order number with an escape sequence', onCli('enqueue', 'SO-1\u001b[2J', 'DeliveryModeCode=10'), '"SO-1\\u001b[2J"'],
  ['cli: 10,000-character order number', onCli('enqueue', LONG, 'DeliveryModeCode=10'), /order number is 10000 characters long/],
  ['cli: 10,000-character value', onCli('enqueue', 'SO-000003', `SalesOrderName=${LONG}`), /value of SalesOrderName is 10000 characters long/],
  ['cli: field name with a dash', onCli('enqueue', 'SO-000003', 'Delivery-Mode=10'), '"Delivery-Mode"'],
  ['cli: __proto__ as a field', onCli('enqueue', 'SO-000003', '__proto__=x'), '"__proto__"'],
  ['cli: OData in a field name', onCli('enqueue', 'SO-000003', "DeliveryModeCode eq '1' or 1 eq 1=x"), `"DeliveryModeCode eq '1' or 1 eq 1"`],
  ['cli: no field name', onCli('enqueue', 'SO-000003', '=10'), '"=10"'],
  ['cli: a field given twice', onCli('enqueue', 'SO-000003', 'DeliveryModeCode=1', 'DeliveryModeCode=2'), 'DeliveryModeCode is given twice'],
  ['cli: --base for a field not changed', onCli('enqueue', 'SO-000003', 'DeliveryModeCode=1', '--base', 'SalesOrderName=x'), /base value given for SalesOrderName/],
  ['cli: company with a control character', onCli('enqueue', 'SO-000003', 'DeliveryModeCode=1', '--company', 'US\u0000MF'), '"US\\u0000MF"'],
  ['cli: 65-character company', onCli('enqueue', 'SO-000003', 'DeliveryModeCode=1', '--company', 'C'.repeat(65)), /company is 65 characters long/],
  ['cli: whitespace-only order number', onCli('enqueue', '   ', 'DeliveryModeCode=1'), /order number is empty/],
  ['cli: negative id', onCli('hold', '-1'), "'-1'"],
  ['cli: huge id', onCli('hold', '99999999999999999999'), '"99999999999999999999"'],
  ['cli: id in hex', onCli('show', '0x10'), '"0x10"'],
  ['cli: id with SQL', onCli('cancel', '1 OR 1=1'), '"1 OR 1=1"'],
  ['cli: id that does not exist', onCli('release', '424242'), 'No update with id 424242'],
  ['cli: state with SQL', onCli('list', '--state', "pending' OR 'a'='a"), `"pending' OR 'a'='a"`],
  ['cli: limit NaN', onCli('list', '--limit', 'NaN'), '"NaN"'],
  ['cli: limit Infinity', onCli('list', '--limit', 'Infinity'), '"Infinity"'],
  ['cli: --since not a date', onCli('conflicts', 'export', '--format', 'csv', '--since', 'yesterday'), '"yesterday"'],
  ['cli: --since on a day that does not exist', onCli('conflicts', 'export', '--format', 'csv', '--since', '2026-02-30'), '"2026-02-30"'],
  ['cli: --since month 13', onCli('conflicts', 'export', '--format', 'json', '--since', '2026-13-01'), '"2026-13-01"'],
  ['cli: export format', onCli('conflicts', 'export', '--format', 'xlsx;rm -rf /'), '"xlsx;rm -rf /"'],
  ['cli: unknown command', onCli('enqueue;rm', 'x'), '"enqueue;rm"'],
  ['cli: import of a path that does not exist', onCli('import', '../../../etc/no-such-file.csv'), '../../../etc/no-such-file.csv'],
  ['cli: import with a bad row', async () => {
    fs.writeFileSync(hostileCsvFile, `order,DeliveryModeCode\nSO-000004,10\n"SO-000005,20\n`);
    return onCli('import', hostileCsvFile)();
  }, /:3: a quoted cell is never closed/],
  // ---- CSV import ----
  ['csv: unclosed quote', onPlan('order,DeliveryModeCode\n"SO-1,10\n'), /line 2: a quoted cell is never closed/],
  ['csv: quote inside an unquoted cell', onPlan('order,DeliveryModeCode\nSO"1,10\n'), /line 2: a quote inside unquoted cell 1/],
  ['csv: row wider than the header', onPlan('order,DeliveryModeCode\nSO-1,10,extra\n'), /line 2: expected 2 cells like the header, found 3/],
  ['csv: __proto__ column', onPlan('order,__proto__\nSO-1,x\n'), '"__proto__"'],
  ['csv: formula as a column name', onPlan(`order,=cmd|' /C calc'!A0\nSO-1,x\n`), `"=cmd|' /C calc'!A0"`],
  ['csv: base column without its field', onPlan('order,DeliveryModeCode,base.SalesOrderName\nSO-1,10,x\n'), 'base.SalesOrderName'],
  ['csv: control character in an order number', onPlan('order,DeliveryModeCode\nSO\u00011,10\n'), '"SO\\u00011"'],
  ['csv: 10,000-character cell', onPlan(`order,SalesOrderName\nSO-1,${LONG}\n`), /value of SalesOrderName is 10000 characters long/],
  ['csv: no order column', onPlan('orderNumber,DeliveryModeCode\nSO-1,10\n'), /no "order" column/],
  ['csv: 101 fields on one row', onPlan(`order,${Array.from({ length: 101 }, (_, i) => `F${i}`).join(',')}\nSO-1,${Array(101).fill('v').join(',')}\n`), /has 101 fields; the limit is 100/],
  ['csv: column twice, in another case', onPlan('order,DeliveryModeCode,deliverymodecode\nSO-1,1,2\n'), '"deliverymodecode" appears twice'],
  ['csv: empty file', onPlan(''), /the file is empty/],
  ['csv (api): a field D365 does not have', onApi('importCsv', { csv: 'order,DeliveryModeKode\nSO-000003,10\n' }), /no field "DeliveryModeKode" \(did you mean DeliveryModeCode/],
  // ---- API (IPC / HTTP contract, through invoke) ----
  ['api: unknown method', onApi('dropDatabase', {}), '"dropDatabase"'],
  ['api: __proto__ as a method', onApi('__proto__', {}), '"__proto__"'],
  ['api: constructor as a method', onApi('constructor', {}), '"constructor"'],
  ['api: arguments are an array', onApi('enqueue', [1, 2, 3]), /enqueue: invalid argument: .*expected object/],
  ['api: arguments are a string of malformed JSON', onApi('enqueue', '{"orderNumber": "SO-1", "fields": {'), /enqueue: invalid argument: .*expected object/],
  ['api: null arguments', onApi('getUpdate', null), /getUpdate: invalid argument/],
  ['api: fields is an array', onApi('enqueue', { orderNumber: 'SO-1', fields: ['DeliveryModeCode', '10'] }), /at fields: must be an object of field → value/],
  ['api: unknown key', onApi('enqueue', { orderNumber: 'SO-1', fields: { DeliveryModeCode: '1' }, priority: 'urgent' }), /priority/],
  ['api: missing order number', onApi('enqueue', { fields: { DeliveryModeCode: '1' } }), /at orderNumber/],
  ['api: order number is a number', onApi('enqueue', { orderNumber: 42, fields: { DeliveryModeCode: '1' } }), /at orderNumber: order number must be text, got number/],
  ['api: NaN value', onApi('enqueue', { orderNumber: 'SO-1', fields: { DeliveryModeCode: Number.NaN } }), 'fields.DeliveryModeCode'],
  ['api: Infinity value', onApi('enqueue', { orderNumber: 'SO-1', fields: { DeliveryModeCode: Number.POSITIVE_INFINITY } }), 'fields.DeliveryModeCode'],
  ['api: object as a value', onApi('enqueue', { orderNumber: 'SO-1', fields: { DeliveryModeCode: { $ne: null } } }), 'fields.DeliveryModeCode'],
  ['api: oversized value', onApi('enqueue', { orderNumber: 'SO-1', fields: { SalesOrderName: 'x'.repeat(5000) } }), 'fields.SalesOrderName'],
  ['api: oversized order number', onApi('enqueue', { orderNumber: LONG, fields: { DeliveryModeCode: '1' } }), 'at orderNumber'],
  ['api: __proto__ field (JSON)', onApi('enqueue', JSON.parse('{"orderNumber":"SO-1","fields":{"__proto__":{"polluted":true}}}')), '"__proto__"'],
  ['api: __proto__ in base (JSON)', onApi('enqueue', JSON.parse('{"orderNumber":"SO-1","fields":{"DeliveryModeCode":"1"},"base":{"__proto__":"x"}}')), '"__proto__"'],
  ['api: constructor as a field', onApi('enqueue', { orderNumber: 'SO-000003', fields: { constructor: 'x' } }), '"constructor"'],
  ['api: a misspelt field', onApi('enqueue', { orderNumber: 'SO-000003', fields: { deliverymodecode: '10' } }), /no field "deliverymodecode" \(did you mean DeliveryModeCode/],
  ['api: empty fields', onApi('enqueue', { orderNumber: 'SO-000003', fields: {} }), /"SO-000003".*changes no field/],
  ['api: negative id', onApi('hold', { id: -1 }), 'at id'],
  ['api: zero id', onApi('cancel', { id: 0 }), 'at id'],
  ['api: fractional id', onApi('getUpdate', { id: 1.5 }), 'at id'],
  ['api: id beyond 2^53', onApi('release', { id: 2 ** 60 }), 'at id'],
  ['api: id as text', onApi('getUpdate', { id: '1' }), 'at id'],
  ['api: list limit far too large', onApi('listUpdates', { limit: 1e9 }), 'at limit'],
  ['api: unknown state', onApi('listUpdates', { state: 'pending; DROP TABLE updates' }), 'at state'],
  ['api: unknown resolution', onApi('resolveConflict', { id: 1, resolution: { action: 'drop-table' } }), 'at resolution'],
  ['api: export since not a date', onApi('exportConflicts', { format: 'csv', since: "1' OR '1'='1" }), `"1' OR '1'='1"`],
  ['api: lookup with 101 fields', onApi('lookupOrder', { orderNumber: 'SO-1', fields: Array(101).fill('DeliveryModeCode') }), 'at fields'],
  // ---- configuration ----
  ['config: plain http to a remote host', onApi('saveSettings', connection({ environmentUrl: 'http://contoso.example.com' })), '"http://contoso.example.com"'],
  ['config: javascript: URL', onApi('saveSettings', connection({ environmentUrl: 'javascript:alert(1)' })), '"javascript:alert(1)"'],
  ['config: file: URL', onApi('saveSettings', connection({ authorityUrl: 'file:///etc/passwd' })), '"file:///etc/passwd"'],
  ['config: cloud metadata address over http', onApi('saveSettings', connection({ authorityUrl: 'http://169.254.169.254/latest' })), '"http://169.254.169.254/latest"'],
  ['config: URL with credentials', onApi('saveSettings', connection({ environmentUrl: 'https://admin:hunter2@contoso.operations.dynamics.com' })), /environment URL must not carry a user name or password/],
  ['config: not a URL', onApi('saveSettings', connection({ serviceRoot: 'contoso data' })), '"contoso data"'],
  ['config: huge tenant', onApi('saveSettings', connection({ tenant: LONG })), 'at connection.tenant'],
  ['config: unknown profile', onApi('saveSettings', connection({ profile: 'crm' })), 'at connection.profile'],
  ['config: retry limit out of range', onApi('saveSettings', { preferences: { retryLimit: 1e6 } }), 'at preferences.retryLimit'],
  ['config: empty default company', onApi('saveSettings', { preferences: { defaultCompany: '   ' } }), 'at preferences.defaultCompany'],
];

describe('hostile and odd input: a clear error naming it, and nothing else changes', () => {
  afterAll(() => {
    fs.rmSync(hostileCsvFile, { force: true });
    writeFigures('hostile-input', { inputs: CASES.length, byTarget: countBy(CASES.map(([n]) => n.split(':')[0]!.replace(/ \(api\)/, ''))) });
  });

  for (const [name, run, mentions] of CASES) {
    it(name, async () => {
      const before = snapshot();
      const { message } = await run();
      if (typeof mentions === 'string') expect(message).toContain(mentions);
      else expect(message).toMatch(mentions);
      expect(snapshot(), 'the outbox changed').toBe(before);
      expect(({} as Record<string, unknown>).polluted, 'Object.prototype was polluted').toBeUndefined();
    });
  }

  // Not a count of the cases above: every method of the contract, including one added later,
  // must refuse an argument it does not know before it does anything.
  it('every method of the contract refuses an argument it does not know, naming the method, and nothing changes', async () => {
    const before = snapshot();
    for (const method of API_METHODS) {
      const r = await agent.invoke(method, { hostile: "'; DROP TABLE updates; --" });
      expect(r, method).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(new RegExp(`^${method}: invalid argument`)) } });
    }
    expect(snapshot()).toBe(before);
  });

  it('a URL with credentials is refused without echoing the password', async () => {
    const r = await agent.invoke('saveSettings', connection({ environmentUrl: 'https://admin:hunter2@contoso.operations.dynamics.com' }));
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });
});

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

describe('odd but legitimate order numbers are accepted and reach exactly that order', () => {
  const ODD = [
    "SO'1",
    "SO-1') or true or ('",
    '../../etc/passwd',
    '%2F',
    'SO/1',
    'Ünïcødé-订单-№1',
    'SO#1?x=1&y=2',
    "O''Brien",
    'SO 1 + 2',
    '🚚-42',
    'SO\\1',
    'SO:1;$filter',
  ];
  // what a broken encoder would hit instead: none of these may change
  const DECOYS = ['SO', 'SO-1', 'passwd', '/', 'O', "O'Brien", 'SO 1', 'SO%2F1', 'SO'];

  it('via the CLI, the API and a CSV import; drained and checked on the simulator', { timeout: 20_000 }, async () => {
    for (const [i, o] of ODD.entries()) sim.seedOrder('USMF', o, { DeliveryModeCode: '10' });
    for (const d of DECOYS) sim.seedOrder('USMF', d, { DeliveryModeCode: '10' });
    const value = (i: number) => `ODD${i}`;
    for (const [i, o] of ODD.entries()) {
      if (i % 3 === 0) {
        const r = await cli('enqueue', o, `DeliveryModeCode=${value(i)}`);
        expect(r.code, r.err).toBe(0);
      } else if (i % 3 === 1) {
        const r = await agent.invoke('enqueue', { orderNumber: o, fields: { DeliveryModeCode: value(i) } });
        expect(r.ok, JSON.stringify(r)).toBe(true);
      }
    }
    const csvRows = ODD.map((o, i) => [o, i] as const).filter(([, i]) => i % 3 === 2);
    const csv = 'order,DeliveryModeCode\r\n' + csvRows.map(([o, i]) => `"${o.replace(/"/g, '""')}",${value(i)}`).join('\r\n') + '\r\n';
    const imported = await agent.invoke('importCsv', { csv });
    expect(imported).toMatchObject({ ok: true, value: { queued: csvRows.length } });
    // what was queued is exactly what was typed
    const queued = (db.prepare('SELECT order_no FROM updates ORDER BY id').all() as { order_no: string }[]).map((u) => u.order_no);
    for (const o of ODD) expect(queued).toContain(o);

    const summary = await agent.drainUntilIdle();
    expect(summary).toMatchObject({ failed: 0, conflict: 0 });
    for (const [i, o] of ODD.entries()) expect(sim.order('USMF', o)?.DeliveryModeCode, o).toBe(value(i));
    for (const d of DECOYS) expect(sim.order('USMF', d)?.DeliveryModeCode, d).toBe('10');
    expect(sim.writeLog.filter((w) => w.by === 'client' && ODD.includes(w.orderNumber))).toHaveLength(ODD.length);
  });
});

describe('formula cells stay inert in the CSV export', () => {
  it('a value that Excel would run is exported with a leading apostrophe', { timeout: 20_000 }, async () => {
    const evil = "=HYPERLINK(\"http://evil.example\",\"click\")";
    sim.seedOrder('USMF', '=cmd|\' /C calc\'!A0', { SalesOrderName: 'before' });
    const r = await agent.invoke('enqueue', { orderNumber: "=cmd|' /C calc'!A0", fields: { SalesOrderName: evil }, base: { SalesOrderName: 'before' } });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    sim.writeAsOtherUser('USMF', "=cmd|' /C calc'!A0", { SalesOrderName: '@SUM(1+1)*cmd|"/C calc"' });
    await agent.drainUntilIdle();
    const out = await agent.invoke('exportConflicts', { format: 'csv' });
    if (!out.ok) throw new Error(out.error.message);
    const body = (out.value as { body: string }).body;
    const cells = body.split(/\r\n/).slice(1).join('\n');
    expect(cells).toContain(`'=cmd|' /C calc'!A0`);
    expect(cells).toMatch(/'=HYPERLINK/);
    expect(cells).toMatch(/'@SUM/);
    // no cell starts with a formula character unprotected
    for (const line of body.split('\r\n').slice(1).filter(Boolean)) {
      for (const cell of line.match(/("([^"]|"")*"|[^,]*)/g)!.filter((c) => c !== '')) {
        expect(cell.replace(/^"/, ''), line).not.toMatch(/^[=+\-@\t\r]/);
      }
    }
  });
});

describe('field names are checked against $metadata when online', () => {
  it('refuses an unknown field naming it with close valid names; reads $metadata once per connection', async () => {
    const before = snapshot();
    const r = await agent.invoke('enqueue', { orderNumber: 'SO-000004', fields: { RequestedShipingDate: '2027-01-01T00:00:00Z', DeliveryModeCode: '10' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    if (r.ok) return;
    expect(r.error.message).toMatch(/SalesOrderHeadersV2 has no field "RequestedShipingDate" \(did you mean RequestedShippingDate/);
    expect(snapshot()).toBe(before);
    const ok = await agent.invoke('enqueue', { orderNumber: 'SO-000004', fields: { RequestedShippingDate: '2027-01-01T00:00:00Z' } });
    expect(ok).toMatchObject({ ok: true });
    expect((ok as { value: { note?: string } }).value.note).toBeUndefined();
    expect(sim.requestLog.filter((e) => e.path.endsWith('/$metadata'))).toHaveLength(1);
  });

  it('offline with no copy of $metadata, the update is queued anyway with the note "not checked yet"', { timeout: 20_000 }, async () => {
    const offDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-meta-'));
    const down = await Simulator.start({ orders: 1 });
    const url = down.url;
    await down.stop();
    const a = await Agent.open({ dataDir: offDir, secrets: new MemorySecretStore(), queuedBy: 'tester' });
    try {
      await a.api().saveSettings({ connection: { profile: 'fo', environmentUrl: url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: url }, secret: 'sim-secret' });
      const r = await a.api().enqueue({ orderNumber: 'SO-000001', fields: { NoSuchField: '1' } });
      expect(r.id).toBeGreaterThan(0);
      expect(r.note).toMatch(/^Not checked yet: D365's \$metadata could not be read \(.*connection refused\)/);
      expect((await a.api().status()).counts.pending).toBe(1);
    } finally {
      await a.close();
      fs.rmSync(offDir, { recursive: true, force: true });
    }
  });
});
