import fs from 'node:fs';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import {
  createApiClient,
  isApiMethod,
  parseArgs,
  type AgentApi,
  type AgentHandlers,
  type AgentMode,
  type AgentStatus,
  type ApiArgs,
  type ApiOutputs,
  type ApiResult,
  type ImportPreview,
  type OrderLookup,
  type SettingsView,
} from './api.ts';
import { exportConflicts, iterateConflicts } from './conflicts/conflict-log.ts';
import { planImport } from './csv/import.ts';
import type { BatchSettings } from './d365/batch-settings.ts';
import { createDispatcher, D365Client } from './d365/client.ts';
import { isD365Error } from './d365/errors.ts';
import { FieldCatalog } from './d365/metadata.ts';
import { profileNamed } from './d365/profile.ts';
import { EntraTokenSource } from './d365/token.ts';
import { Drainer, type DrainerOptions } from './engine/drainer.ts';
import { DEFAULT_RETRY } from './engine/etag-retry.ts';
import { OutboxError, badInput, isOutboxError } from './errors.ts';
import { EventBus, type Listener } from './events.ts';
import { Metrics } from './metrics.ts';
import { Outbox, checkUpdateInput } from './outbox/outbox.ts';
import type { UpdateInput } from './outbox/types.ts';
import { secretAccount, type SecretStore } from './secrets.ts';
import { Settings, type Connection } from './settings.ts';
import { Simulator } from './simulator/simulator.ts';
import type { SimulatorOptions } from './simulator/types.ts';

export const DATABASE_FILE = 'outbox.sqlite';

export interface AgentOptions {
  dataDir: string;
  secrets: SecretStore;
  /** OUTBOX_CLIENT_SECRET for headless sites without a keychain (memory only) */
  envSecret?: string;
  /** who queues updates from this agent (user@host) */
  queuedBy: string;
  /** options for the embedded simulator, used when no D365 environment is configured */
  simulator?: SimulatorOptions;
  drainer?: DrainerOptions;
  now?: () => number;
}

/**
 * One agent per data folder: the outbox, the drainer, the conflict log and metrics, behind
 * the AgentApi contract. With no D365 environment configured it talks to the embedded
 * simulator (demo and training mode).
 */
export class Agent implements AgentHandlers {
  readonly outbox: Outbox;
  readonly events: EventBus;
  readonly metricsStore: Metrics;
  readonly settings: Settings;
  readonly drainer: Drainer;
  private readonly opts: AgentOptions;
  private readonly dispatcher: Dispatcher;
  private simulator: Simulator | null = null;
  private client: D365Client | null = null;
  /** field names from $metadata, per connection */
  private catalog: FieldCatalog | null = null;
  private mode: AgentMode = 'simulator';
  private target = '';

  private constructor(outbox: Outbox, opts: AgentOptions) {
    this.opts = opts;
    this.outbox = outbox;
    this.events = new EventBus(opts.now);
    this.metricsStore = new Metrics(outbox.db, opts.now);
    this.settings = new Settings(outbox.db);
    this.dispatcher = createDispatcher();
    this.drainer = new Drainer(outbox, null, this.events, this.metricsStore, {
      ...opts.drainer,
      retry: { ...(opts.drainer?.retry ?? DEFAULT_RETRY), retryLimit: opts.drainer?.retry?.retryLimit ?? this.settings.preferences().retryLimit },
    });
  }

  static async open(opts: AgentOptions): Promise<Agent> {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    const outbox = Outbox.open(path.join(opts.dataDir, DATABASE_FILE), { now: opts.now });
    const agent = new Agent(outbox, opts);
    void outbox.integrity.then((problems) => {
      if (problems.length === 0 || !outbox.db.open) return;
      const message = `The outbox database failed its integrity check (${problems.join('; ')}). Draining is paused: stop the agent, keep a copy of ${outbox.file} and contact support.`;
      outbox.notices.push(message);
      agent.drainer.pause('user', message);
    });
    try {
      await agent.connect();
    } catch (e) {
      await agent.close();
      throw e;
    }
    return agent;
  }

  /** The embedded simulator, when the agent runs in simulator mode. */
  get sim(): Simulator | null {
    return this.simulator;
  }

  start(): void {
    this.drainer.start();
  }

  async close(): Promise<void> {
    await this.drainer.stop();
    await this.simulator?.stop();
    this.simulator = null;
    await this.dispatcher.close();
    this.outbox.close();
  }

  subscribe(listener: Listener): () => void {
    return this.events.subscribe(listener);
  }

  /** The contract in-process, validated exactly as over IPC or HTTP. */
  api(): AgentApi {
    return createApiClient({ call: (m, a) => this.invoke(m, a), subscribe: (l) => this.subscribe(l) });
  }

  /** For transports: parse unknown arguments, call, and return errors as data. */
  async invoke(method: unknown, args: unknown): Promise<ApiResult<unknown>> {
    try {
      if (!isApiMethod(method)) throw badInput(`unknown method ${JSON.stringify(String(method)).slice(0, 80)}`);
      const parsed = parseArgs(method, args);
      const value = await (this[method] as (a: unknown) => Promise<unknown>)(parsed);
      return { ok: true, value };
    } catch (e) {
      return { ok: false, error: errorData(e) };
    }
  }

  // ---- connection ---------------------------------------------------------------------------

  /** (Re)builds the D365 client from the settings, or starts the simulator when none are set. */
  private async connect(): Promise<void> {
    const connection = this.settings.connection();
    if (connection) {
      await this.simulator?.stop();
      this.simulator = null;
      this.mode = 'd365';
      this.target = connection.environmentUrl;
      const secret = await this.secretFor(connection);
      if (secret === null) {
        this.client = null;
        this.catalog = null;
        this.drainer.setClient(null);
        this.drainer.pause('credentials', 'No client secret is stored for this connection. Enter it in Settings (or run outbox connect).');
        return;
      }
      this.client = this.buildClient(connection, async () => (await this.secretFor(connection)) ?? '');
    } else {
      this.mode = 'simulator';
      this.simulator ??= await Simulator.start({ autoCreate: true, ...this.opts.simulator });
      const sim = this.simulator;
      this.target = sim.url;
      const simConnection: Connection = {
        profile: 'fo',
        environmentUrl: sim.url,
        tenant: this.opts.simulator?.tenant ?? 'sim-tenant',
        clientId: this.opts.simulator?.clientId ?? 'outbox-agent',
        authorityUrl: sim.authorityUrl,
      };
      const secret = this.opts.simulator?.clientSecret ?? 'sim-secret';
      this.client = this.buildClient(simConnection, async () => secret);
    }
    this.catalog = this.client ? new FieldCatalog(this.client, { now: this.opts.now }) : null;
    this.drainer.setClient(this.client);
  }

  /** Refuses field names the entity doesn't have; offline, says they were not checked. */
  private async checkFieldNames(names: Iterable<string>): Promise<string | undefined> {
    if (!this.catalog) return 'Not connected to D365: field names were not checked against its metadata.';
    const r = await this.catalog.check(names);
    return r.checked ? undefined : r.note;
  }

  private buildClient(c: Connection, secret: () => Promise<string>): D365Client {
    const profile = profileNamed(c.profile);
    const tokens = new EntraTokenSource(
      { authorityUrl: c.authorityUrl, tenant: c.tenant, clientId: c.clientId, scope: c.scope ?? profile.scope(c.environmentUrl) },
      secret,
      this.dispatcher,
      this.opts.now,
    );
    return new D365Client({
      serviceRoot: c.serviceRoot ?? `${c.environmentUrl.replace(/\/+$/, '')}${profile.servicePath}`,
      profile,
      tokens,
      dispatcher: this.dispatcher,
      now: this.opts.now,
      batchSettings: c.batch,
      onBatchLearned: (batch, notice) => this.batchLearned(c, batch, notice),
    });
  }

  /** What the client learned about $batch stays with the connection it was learned on; a change of course is shown in the status. */
  private batchLearned(c: Connection, batch: BatchSettings, notice: string | null): void {
    const saved = this.settings.connection();
    const same = saved && saved.environmentUrl === c.environmentUrl && saved.profile === c.profile && saved.serviceRoot === c.serviceRoot;
    if (this.mode === 'd365' && same) this.settings.setConnection({ ...saved, batch });
    if (notice && !this.outbox.notices.includes(notice)) this.outbox.notices.push(notice);
  }

  private async secretFor(c: Connection): Promise<string | null> {
    if (this.opts.envSecret) return this.opts.envSecret;
    return this.opts.secrets.get(secretAccount(c));
  }

  private company(given: string | undefined): string {
    return given && given.trim() !== '' ? given : this.settings.preferences().defaultCompany;
  }

  // ---- queries ------------------------------------------------------------------------------

  async status(): Promise<AgentStatus> {
    return {
      counts: this.outbox.counts(),
      mode: this.mode,
      target: this.target,
      company: this.settings.preferences().defaultCompany,
      drain: this.drainer.status(),
      notices: this.outbox.notices,
    };
  }

  async listUpdates(args: ApiArgs<'listUpdates'>): Promise<ApiOutputs['listUpdates']> {
    return this.outbox.page(args);
  }

  async getUpdate(args: ApiArgs<'getUpdate'>): Promise<ApiOutputs['getUpdate']> {
    const update = this.outbox.get(args.id);
    if (!update) throw new OutboxError('NOT_FOUND', `No update with id ${args.id}`);
    const conflicts = [...iterateConflicts(this.outbox.db, { updateId: args.id })];
    return { update, history: this.outbox.history(args.id), conflicts };
  }

  /** Newest first: the latest `limit` conflicts. */
  async listConflicts(args: ApiArgs<'listConflicts'>): Promise<ApiOutputs['listConflicts']> {
    return [...iterateConflicts(this.outbox.db, { ...args, newestFirst: true })];
  }

  async exportConflicts(args: ApiArgs<'exportConflicts'>): Promise<ApiOutputs['exportConflicts']> {
    const body = [...exportConflicts(this.outbox.db, args.format, args)].join('');
    const stamp = new Date((this.opts.now ?? Date.now)()).toISOString().slice(0, 10);
    return {
      filename: `outbox-conflicts-${stamp}.${args.format}`,
      contentType: args.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      body,
    };
  }

  async metrics(): Promise<ApiOutputs['metrics']> {
    return this.metricsStore.snapshot();
  }

  async lookupOrder(args: ApiArgs<'lookupOrder'>): Promise<OrderLookup> {
    if (!this.client) return { online: false, message: 'Not connected to D365; the update will be queued without a base.' };
    try {
      const snap = await this.client.getOrder({ company: this.company(args.company), orderNumber: args.orderNumber.trim() }, args.fields);
      return { online: true, values: snap.values, etag: snap.etag };
    } catch (e) {
      if (isD365Error(e) && e.code === 'NOT_FOUND') throw new OutboxError('NOT_FOUND', e.message);
      if (isD365Error(e) && e.code === 'VALIDATION') throw badInput(e.message);
      return { online: false, message: `${e instanceof Error ? e.message : String(e)} — the update will be queued without a base.` };
    }
  }

  // ---- commands -----------------------------------------------------------------------------

  async enqueue(args: ApiArgs<'enqueue'>): Promise<ApiOutputs['enqueue']> {
    const input: UpdateInput = {
      company: this.company(args.company),
      orderNumber: args.orderNumber,
      fields: args.fields,
      base: args.base ?? null,
      source: args.source,
      queuedBy: this.opts.queuedBy,
    };
    // Shape first, so a malformed input never costs a round trip to D365.
    const note = await this.checkFieldNames(Object.keys(checkUpdateInput(input).fields));
    const result = this.outbox.enqueue(input);
    const u = this.outbox.get(result.id)!;
    this.events.emit({ type: 'queued', id: result.id, company: u.company, orderNumber: u.orderNumber, coalesced: result.coalesced });
    this.drainer.wake();
    return note === undefined ? result : { ...result, note };
  }

  async previewImport(args: ApiArgs<'previewImport'>): Promise<ImportPreview> {
    const plan = planImport(args.csv, { defaultCompany: this.settings.preferences().defaultCompany, queuedBy: this.opts.queuedBy });
    return {
      rows: plan.rows.length,
      problems: plan.problems,
      sample: plan.rows.slice(0, 20).map((r) => ({
        line: r.line,
        company: r.input.company,
        orderNumber: r.input.orderNumber,
        fields: r.input.fields,
        base: r.input.base ?? null,
      })),
    };
  }

  async importCsv(args: ApiArgs<'importCsv'>): Promise<ApiOutputs['importCsv']> {
    const plan = planImport(args.csv, { defaultCompany: this.settings.preferences().defaultCompany, queuedBy: this.opts.queuedBy });
    if (plan.problems.length > 0) {
      const first = plan.problems.slice(0, 5).map((p) => `line ${p.line}: ${p.message}`).join('; ');
      throw badInput(`${plan.problems.length} row(s) are wrong, nothing was imported: ${first}`);
    }
    const note = await this.checkFieldNames(new Set(plan.rows.flatMap((r) => Object.keys(r.input.fields))));
    const results = this.outbox.enqueueMany(plan.rows.map((r) => r.input));
    for (const [i, r] of results.entries()) {
      const input = plan.rows[i]!.input;
      this.events.emit({ type: 'queued', id: r.id, company: input.company, orderNumber: input.orderNumber, coalesced: r.coalesced });
    }
    this.drainer.wake();
    const counts = { queued: results.length, merged: results.filter((r) => r.coalesced).length };
    return note === undefined ? counts : { ...counts, note };
  }

  async hold(args: ApiArgs<'hold'>): Promise<ApiOutputs['hold']> {
    const u = this.outbox.hold(args.id, this.opts.queuedBy);
    this.events.emit({ type: 'changed', id: u.id, action: 'held' });
    return u;
  }

  async release(args: ApiArgs<'release'>): Promise<ApiOutputs['release']> {
    const u = this.outbox.release(args.id, this.opts.queuedBy);
    this.events.emit({ type: 'changed', id: u.id, action: 'released' });
    this.drainer.wake();
    return u;
  }

  async cancel(args: ApiArgs<'cancel'>): Promise<ApiOutputs['cancel']> {
    const u = this.outbox.cancel(args.id, this.opts.queuedBy);
    this.events.emit({ type: 'changed', id: u.id, action: 'cancelled' });
    return u;
  }

  async resolveConflict(args: ApiArgs<'resolveConflict'>): Promise<ApiOutputs['resolveConflict']> {
    const u = this.outbox.resolve(args.id, args.resolution, this.opts.queuedBy);
    this.events.emit({ type: 'changed', id: u.id, action: 'resolved' });
    this.drainer.wake();
    return u;
  }

  async pauseDrain(): Promise<ApiOutputs['pauseDrain']> {
    this.drainer.pause('user');
    return this.drainer.status();
  }

  async resumeDrain(): Promise<ApiOutputs['resumeDrain']> {
    this.drainer.resume();
    return this.drainer.status();
  }

  async drainNow(): Promise<ApiOutputs['drainNow']> {
    const p = this.drainer.status().paused;
    if (p && p.reason !== 'user' && p.reason !== 'credentials') this.drainer.resume();
    this.drainer.wake();
    return this.drainer.status();
  }

  async getSettings(): Promise<SettingsView> {
    const connection = this.settings.connection();
    return {
      mode: this.mode,
      connection,
      hasSecret: connection ? (await this.secretFor(connection)) !== null : false,
      secretStore: this.opts.envSecret ? 'environment (OUTBOX_CLIENT_SECRET)' : this.opts.secrets.kind,
      preferences: this.settings.preferences(),
    };
  }

  async saveSettings(args: ApiArgs<'saveSettings'>): Promise<SettingsView> {
    if (args.preferences) this.settings.setPreferences(args.preferences);
    if (args.connection !== undefined) {
      const old = this.settings.connection();
      const next = this.settings.setConnection(args.connection);
      // A changed or removed connection takes its secret with it.
      if (old && (!next || secretAccount(old) !== secretAccount(next))) await this.opts.secrets.delete(secretAccount(old));
      if (next && args.secret) await this.opts.secrets.set(secretAccount(next), args.secret);
      await this.connect();
    } else if (args.secret) {
      const c = this.settings.connection();
      if (!c) throw badInput('a secret needs a connection: set the environment, tenant and client id first');
      await this.opts.secrets.set(secretAccount(c), args.secret);
      await this.connect();
    }
    return this.getSettings();
  }

  async testConnection(): Promise<ApiOutputs['testConnection']> {
    if (!this.client) return { ok: false, message: 'No D365 client: store the client secret first.' };
    try {
      const fields = await this.client.entityFields();
      return { ok: true, message: `Connected to ${this.target}: ${this.client.profile.entitySet} has ${fields.length} fields.` };
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
  }
}

/** Any error as `{ code, message }` data; never a stack, never a secret. */
export function errorData(e: unknown): { code: string; message: string } {
  if (isOutboxError(e) || isD365Error(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
