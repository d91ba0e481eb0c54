import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { Row } from './cap/entity.ts';
import type { FixtureConfig } from './cap/server.ts';

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cap', 'server.ts');
const START_MS = 30_000;
const STOP_MS = 5_000;

/** The pinned third-party server (package.json devDependencies): named in reports and README. */
export const SERVER_NAME = 'SAP CAP @sap/cds 10.1.1 + @cap-js/sqlite 3.1.1 (in-memory SQLite)';

/** The agent's own identity and a second app registration that plays the other users. */
export const AGENT_CLIENT = { clientId: 'outbox-agent', secret: 'interop-agent-secret' };
export const WRITER_CLIENT = { clientId: 'warehouse-app', secret: 'interop-writer-secret' };
export const TENANT = 'interop-tenant';

export interface ServerWrite {
  seq: number;
  /** ISO time the row changed (SQLite's clock, ms) */
  at: string;
  /** F&O's SalesOrderHeadersV2 or Business Central's salesOrders */
  entity: 'fo' | 'bc';
  /** the agent, or someone else (the background writer, another app) */
  by: 'client' | 'writer';
  user: string;
  company: string;
  orderNumber: string;
  etagBefore: string;
  etagAfter: string;
  /** the fields whose value changed, with their new values */
  fields: Row;
  /** the same fields' values just before */
  before: Row;
  /** every logged field as it stood after the write */
  after: Row;
}

export interface D365ServerOptions {
  orders?: number;
  companies?: string[];
  tokenLifetimeSeconds?: number;
  latencyMs?: number;
}

/**
 * SAP CAP in a child process on 127.0.0.1, shaped like F&O: the agent reaches it with only
 * its environment URL and authority changed (service root `${url}/data`, token endpoint
 * `${url}/${tenant}/oauth2/v2.0/token`).
 */
export class D365Server {
  /** the "environment URL" of the F&O profile; also the authority URL */
  readonly url: string;
  private readonly child: ChildProcess;
  private readonly adminToken: string;
  private readonly output: () => string;

  private constructor(url: string, child: ChildProcess, adminToken: string, output: () => string) {
    this.url = url;
    this.child = child;
    this.adminToken = adminToken;
    this.output = output;
  }

  get serviceRoot(): string {
    return `${this.url}/data`;
  }

  get authorityUrl(): string {
    return this.url;
  }

  get tenant(): string {
    return TENANT;
  }

  static async start(o: D365ServerOptions = {}): Promise<D365Server> {
    const adminToken = randomBytes(16).toString('hex');
    const config: FixtureConfig = {
      orders: o.orders ?? 50,
      companies: o.companies ?? ['USMF'],
      tenant: TENANT,
      clients: [AGENT_CLIENT, WRITER_CLIENT],
      tokenLifetimeSeconds: o.tokenLifetimeSeconds ?? 3600,
      latencyMs: o.latencyMs ?? 0,
      adminToken,
    };
    const child = spawn(process.execPath, [SERVER], {
      cwd: path.dirname(SERVER),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', D365_FIXTURE: JSON.stringify(config) },
      // stdin stays open while we live: the server exits when it closes (a killed test run leaves nothing behind)
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8000);
    };
    child.stderr!.on('data', keep);
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`SAP CAP did not start within ${START_MS} ms`)), START_MS);
      const fail = (e: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${e.message}\n${output}`));
      };
      let lines = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        keep(chunk);
        lines += chunk.toString('utf8');
        const m = /D365_FIXTURE_READY (\{.*\})/.exec(lines);
        if (m) {
          clearTimeout(timer);
          resolve((JSON.parse(m[1]!) as { port: number }).port);
        }
      });
      child.once('exit', (code, signal) => fail(new Error(`SAP CAP exited before listening (code ${code}, signal ${signal})`)));
    });
    child.removeAllListeners('exit');
    return new D365Server(`http://127.0.0.1:${port}`, child, adminToken, () => output);
  }

  /** Every write the server applied, in order (after `seq` when given). */
  async writes(after = 0): Promise<ServerWrite[]> {
    const rows = (await this.admin(`/_fixture/writes?after=${after}`)) as {
      seq: number;
      at: string;
      entity: 'fo' | 'bc';
      user: string;
      company: string;
      orderNumber: string;
      etagBefore: string;
      etagAfter: string;
      before: string;
      after: string;
    }[];
    return rows.map((r) => {
      const before = JSON.parse(r.before) as Row;
      const afterRow = JSON.parse(r.after) as Row;
      const fields: Row = {};
      const was: Row = {};
      for (const f of Object.keys(afterRow)) {
        if (before[f] !== afterRow[f]) {
          fields[f] = afterRow[f] ?? null;
          was[f] = before[f] ?? null;
        }
      }
      return {
        seq: r.seq,
        at: r.at,
        entity: r.entity,
        by: r.user === AGENT_CLIENT.clientId ? 'client' : 'writer',
        user: r.user,
        company: r.company,
        orderNumber: r.orderNumber,
        etagBefore: `W/"${r.etagBefore}"`,
        etagAfter: `W/"${r.etagAfter}"`,
        fields,
        before: was,
        after: afterRow,
      };
    });
  }

  /** The rows as stored, keyed `company/orderNumber` (BC: `companyId/number`). */
  async orders(entity: 'fo' | 'bc' = 'fo'): Promise<Map<string, Row>> {
    const rows = (await this.admin(`/_fixture/orders?entity=${entity}`)) as Row[];
    return new Map(rows.map((r) => (entity === 'bc' ? [`${String(r.company_id)}/${String(r.number)}`, r] : [`${String(r.dataAreaId)}/${String(r.SalesOrderNumber)}`, r])));
  }

  /** What the child printed (for a failing test's message). */
  get log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_MS);
    await exited;
    clearTimeout(timer);
  }

  private async admin(pathAndQuery: string): Promise<unknown> {
    const res = await request(`${this.url}${pathAndQuery}`, { headers: { 'x-fixture-token': this.adminToken } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`fixture ${pathAndQuery}: ${res.statusCode} ${text}`);
    return JSON.parse(text) as unknown;
  }
}
