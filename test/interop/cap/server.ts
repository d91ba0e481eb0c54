/**
 * A real third-party OData v4 server for the interop tests: SAP CAP (@sap/cds with
 * @cap-js/sqlite, in memory) serving an F&O-shaped SalesOrderHeadersV2 at /data, an Entra-like
 * token endpoint beside it, and a write log kept by a SQLite trigger (so every write the server
 * applied is in it, whichever way it came in, and a rolled-back changeset leaves nothing).
 *
 * Run as a child process by d365-server.ts: configuration in D365_FIXTURE (JSON), one line
 * `D365_FIXTURE_READY {"port":N}` on stdout when it listens on 127.0.0.1. SIGTERM stops it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issuedTokens, useUserClass } from './bearer-auth.ts';
import { BC_COMPANY_ID, BC_LOGGED_FIELDS, LOGGED_FIELDS, seedBcOrder, seedOrder } from './entity.ts';

export interface FixtureConfig {
  /** orders SO-000001… seeded in each company */
  orders: number;
  companies: string[];
  tenant: string;
  clients: { clientId: string; secret: string }[];
  tokenLifetimeSeconds: number;
  /** delay before each data request is handled (a slow D365) */
  latencyMs: number;
  /** guards the /_fixture endpoints (write log, rows) */
  adminToken: string;
}

const TABLE = 'd365_SalesOrderHeaders';
const BC_TABLE = 'd365_BcSalesOrders';
const HERE = path.dirname(fileURLToPath(import.meta.url));

// CAP ships no TypeScript types; these are the few parts of its API this fixture uses.
type Row = Record<string, unknown>;
interface DbService {
  run(sql: string, args?: unknown[]): Promise<Row[]>;
}
interface Cds {
  root: string;
  env: { requires: Record<string, unknown>; log: { levels: Record<string, string> } };
  User: new (props: { id: string }) => unknown;
  load(file: string): Promise<unknown>;
  compile: { for: { nodejs(csn: unknown): unknown } };
  model: unknown;
  connect: { to(name: string): Promise<DbService> };
  deploy(csn: unknown): { to(db: DbService): Promise<unknown> };
  serve(what: string): { from(csn: unknown): { in(app: unknown): Promise<unknown> } };
}
interface Request {
  params: Record<string, string>;
  body: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
}
interface Response {
  status(code: number): Response;
  json(body: unknown): void;
}
type Handler = (req: Request, res: Response, next: () => void) => void;
interface App {
  use(path: string, ...handlers: Handler[]): void;
  get(path: string, handler: Handler): void;
  post(path: string, ...handlers: Handler[]): void;
  listen(port: number, host: string, ready: () => void): { address(): { port: number } | string | null; close(): void };
}
interface Express {
  (): App;
  urlencoded(options: { extended: boolean }): Handler;
}

const require = createRequire(import.meta.url);
const cds = require('@sap/cds') as Cds;
const express = require('express') as Express;

async function main(): Promise<void> {
  const config = JSON.parse(process.env.D365_FIXTURE ?? '') as FixtureConfig;
  cds.root = HERE;
  cds.env.log.levels = { ...cds.env.log.levels, cds: 'error', serve: 'error', deploy: 'error', sqlite: 'error', odata: 'error', auth: 'error' };
  cds.env.requires.db = { kind: 'sqlite', impl: '@cap-js/sqlite', credentials: { url: ':memory:' } };
  cds.env.requires.auth = { kind: 'custom', impl: path.join(HERE, 'bearer-auth.ts') };
  useUserClass(cds.User);

  const csn = await cds.load(path.join(HERE, 'd365.cds'));
  cds.model = cds.compile.for.nodejs(csn);
  const db = await cds.connect.to('db');
  await cds.deploy(csn).to(db);
  await seed(db, config);
  await installWriteLog(db);

  const app = express();
  app.post('/:tenant/oauth2/v2.0/token', express.urlencoded({ extended: false }), (req, res) => tokenEndpoint(config, req, res));
  const admin: Handler = (req, res, next) => {
    if (req.headers['x-fixture-token'] !== config.adminToken) return res.status(403).json({ error: 'fixture admin token required' });
    next();
  };
  app.get('/_fixture/writes', (req, res) => {
    admin(req, res, () => {
      const after = Number(req.query.after ?? 0);
      db.run(`SELECT * FROM fixture_writes WHERE seq > ? ORDER BY seq`, [after]).then(
        (rows) => res.json(rows),
        (e: unknown) => res.status(500).json({ error: String(e) }),
      );
    });
  });
  app.get('/_fixture/orders', (req, res) => {
    admin(req, res, () => {
      const sql = req.query.entity === 'bc' ? `SELECT * FROM ${BC_TABLE} ORDER BY number` : `SELECT * FROM ${TABLE} ORDER BY dataAreaId, SalesOrderNumber`;
      db.run(sql).then(
        (rows) => res.json(rows),
        (e: unknown) => res.status(500).json({ error: String(e) }),
      );
    });
  });
  if (config.latencyMs > 0) app.use('/data', (_req, _res, next) => void setTimeout(next, config.latencyMs));
  await cds.serve('all').from(csn).in(app);

  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`D365_FIXTURE_READY ${JSON.stringify({ port })}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    process.exit(0);
  });
  // The test process holds our stdin: when it goes away (even killed), so do we.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

async function insert(db: DbService, table: string, row: Row): Promise<void> {
  const columns = Object.keys(row);
  await db.run(`INSERT INTO ${table} (${columns.join(',')}) VALUES (${columns.map(() => '?').join(',')})`, columns.map((c) => row[c]));
}

async function seed(db: DbService, config: FixtureConfig): Promise<void> {
  const at = new Date().toISOString();
  const stamp = () => ({ RowVersion: randomUUID(), ModifiedBy: 'seed' });
  for (const company of config.companies) {
    for (let i = 0; i < config.orders; i++) await insert(db, TABLE, { ...seedOrder(company, i), ...stamp(), ModifiedDateTime: at });
  }
  await insert(db, 'd365_Companies', { id: BC_COMPANY_ID, name: 'CRONUS USA', displayName: 'CRONUS USA, Inc.' });
  for (let i = 0; i < config.orders; i++) await insert(db, BC_TABLE, { ...seedBcOrder(i), ...stamp(), lastModifiedDateTime: at });
}

/** A trigger, not a CAP handler: it sees every applied write, and rolls back with its changeset. */
async function installWriteLog(db: DbService): Promise<void> {
  await db.run(`CREATE TABLE fixture_writes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    entity TEXT NOT NULL,
    user TEXT,
    company TEXT NOT NULL,
    orderNumber TEXT NOT NULL,
    etagBefore TEXT,
    etagAfter TEXT,
    before TEXT NOT NULL,
    after TEXT NOT NULL)`);
  const trigger = async (entity: 'fo' | 'bc', table: string, company: string, order: string, fields: readonly string[]) => {
    const json = (row: 'OLD' | 'NEW') => `json_object(${fields.map((f) => `'${f}', ${row}.${f}`).join(', ')})`;
    await db.run(`CREATE TRIGGER fixture_write_log_${entity} AFTER UPDATE ON ${table} FOR EACH ROW BEGIN
      INSERT INTO fixture_writes (at, entity, user, company, orderNumber, etagBefore, etagAfter, before, after)
      VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '${entity}', NEW.ModifiedBy, NEW.${company}, NEW.${order},
              OLD.RowVersion, NEW.RowVersion, ${json('OLD')}, ${json('NEW')});
    END`);
  };
  await trigger('fo', TABLE, 'dataAreaId', 'SalesOrderNumber', LOGGED_FIELDS);
  await trigger('bc', BC_TABLE, 'company_id', 'number', BC_LOGGED_FIELDS);
}

/** Entra ID's client-credentials grant, as much of it as the agent uses. */
function tokenEndpoint(config: FixtureConfig, req: Request, res: Response): void {
  const form = req.body ?? {};
  const entraError = (status: number, error: string, description: string) =>
    res.status(status).json({ error, error_description: `${description}\r\nTrace ID: fixture\r\nTimestamp: ${new Date().toISOString()}` });
  if (req.params.tenant !== config.tenant) return entraError(400, 'invalid_tenant', `AADSTS90002: Tenant '${req.params.tenant}' not found.`);
  if (form.grant_type !== 'client_credentials') return entraError(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
  if (!form.scope?.endsWith('/.default')) return entraError(400, 'invalid_scope', `AADSTS1002012: The provided value for scope is not valid.`);
  const client = config.clients.find((c) => c.clientId === form.client_id);
  if (!client) return entraError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.client_id}' was not found.`);
  if (form.client_secret !== client.secret) return entraError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
  const token = randomBytes(24).toString('base64url');
  issuedTokens.set(token, { clientId: client.clientId, expiresAt: Date.now() + config.tokenLifetimeSeconds * 1000 });
  res.status(200).json({ token_type: 'Bearer', expires_in: config.tokenLifetimeSeconds, ext_expires_in: config.tokenLifetimeSeconds, access_token: token });
}

main().catch((e: unknown) => {
  process.stderr.write(`D365 fixture failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
