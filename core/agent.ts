import fs from 'node:fs';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import { createApiClient, isApiMethod, parseArgs, type AgentApi, type AgentHandlers, type AgentStatus, type ApiArgs, type ApiOutputs, type ApiResult, type OrderLookup, type SettingsView } from './api.ts';
import { iterateConflicts, parseDateFilter } from './conflicts/conflict-log.ts';
import { CONTENT_TYPES, exportConflicts } from './conflicts/export.ts';
import { parseTimeZone } from './conflicts/time-zone.ts';
import { CONNECT_HINT, D365Link } from './connection.ts';
import { decodeCsv, detectEncoding, type CsvEncoding } from './csv/decode.ts';
import { planImport } from './csv/import.ts';
import { createDispatcher } from './d365/client.ts';
import type { EntityModel } from './d365/edm.ts';
import { fieldProblem, typeFields } from './d365/edm-values.ts';
import { NOT_CONNECTED_NOTE } from './d365/metadata.ts';
import { MetadataCache } from './d365/metadata-cache.ts';
import { isD365Error } from './d365/errors.ts';
import { Drainer, type DrainerOptions, type DrainSummary } from './engine/drainer.ts';
import { DEFAULT_RETRY } from './engine/etag-retry.ts';
import { OutboxError, badInput, isOutboxError } from './errors.ts';
import { EventBus, type Listener } from './events.ts';
import { Metrics } from './metrics.ts';
import { Outbox } from './outbox/outbox.ts';
import type { Update } from './outbox/types.ts';
import { checkUpdate, describeKey, type CheckedUpdate } from './outbox/update-input.ts';
import { databaseFile } from './paths.ts';
import type { SecretStore } from './secrets.ts';
import { Settings } from './settings.ts';
import type { Simulator } from './simulator/simulator.ts';
import type { SimulatorOptions } from './simulator/types.ts';

export interface AgentOptions {
  /** the folder of this agent's outbox */
  dataDir: string;
  secrets: SecretStore;
  /** OUTBOX_CLIENT_SECRET for headless sites without a keychain (memory only) */
  envSecret?: string;
  /** who queues updates from this agent (user@host) */
  queuedBy: string;
  /**
   * Demo mode: the embedded D365 simulator (with these options) is the only place updates go.
   * The folder must be a demo folder (see demoFolder) or new; a real queue is refused.
   */
  demo?: SimulatorOptions | true;
  /** the company used when an update names none (else the saved preference) */
  defaultCompany?: string;
  /** false: no link to D365 is built (queue commands of the CLI): nothing is read from the keychain */
  connect?: boolean;
  drainer?: DrainerOptions;
  now?: () => number;
  /** an outbox already open on this folder's database (tests hand one in to reach its file) */
  outbox?: Outbox;
}

/** What hosts (desktop app, headless server, CLI) need beyond the AgentApi contract. */
export interface AgentHost {
  invoke(method: unknown, args: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: Listener): () => void;
  /** the contract in-process, validated exactly as over IPC or HTTP */
  api(): AgentApi;
  /** starts sending in the background */
  start(): void;
  /** sends in the foreground until nothing is due or a person must act (CLI drain --until-idle) */
  drainUntilIdle(): Promise<DrainSummary>;
  /** the embedded simulator, in demo mode only */
  readonly simulator: Simulator | null;
  close(): Promise<void>;
}

/** Where a data folder's demo lives: its own outbox, never the real one. */
export function demoFolder(dataDir: string): string {
  return path.join(dataDir, 'demo');
}

/**
 * One agent per data folder: the outbox, the drainer, the conflict log and metrics behind the
 * AgentApi contract. Updates go only to the stored D365 connection, or in demo mode only to
 * the embedded simulator; with neither nothing is sent and every status says so.
 */
export class Agent implements AgentHandlers, AgentHost {
  private readonly outbox: Outbox;
  private readonly events: EventBus;
  private readonly metricsStore: Metrics;
  private readonly settings: Settings;
  private readonly drainer: Drainer;
  private readonly link: D365Link;
  private readonly opts: AgentOptions;
  private readonly dispatcher: Dispatcher;
  readonly simulator: Simulator | null;
  private closing: Promise<void> | null = null;

  private constructor(outbox: Outbox, opts: AgentOptions, simulator: Simulator | null) {
    this.opts = opts;
    this.outbox = outbox;
    this.simulator = simulator;
    this.events = new EventBus(opts.now);
    this.metricsStore = new Metrics(outbox.db, opts.now);
    this.settings = new Settings(outbox.db);
    this.dispatcher = createDispatcher();
    this.link = new D365Link({
      settings: this.settings,
      secrets: opts.secrets,
      envSecret: opts.envSecret,
      dispatcher: this.dispatcher,
      metadata: new MetadataCache(outbox.db),
      now: opts.now,
      simulator: simulator ?? undefined,
      notice: (message) => {
        if (!outbox.notices().some((n) => n.message === message)) outbox.addNotice(message);
      },
    });
    this.drainer = new Drainer(outbox, null, this.events, this.metricsStore, {
      ...opts.drainer,
      retry: { ...(opts.drainer?.retry ?? DEFAULT_RETRY), retryLimit: opts.drainer?.retry?.retryLimit ?? this.settings.preferences().retryLimit },
    });
  }

  static async open(opts: AgentOptions): Promise<Agent> {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    const outbox = opts.outbox ?? Outbox.open(databaseFile(opts.dataDir), { now: opts.now });
    let simulator: Simulator | null = null;
    try {
      refuseWrongFolder(outbox, opts.demo !== undefined);
      if (opts.demo !== undefined) {
        // Loaded only for the demo: a real agent never has the simulator in memory.
        const { Simulator } = await import('./simulator/simulator.ts');
        simulator = await Simulator.start({ autoCreate: true, ...(opts.demo === true ? {} : opts.demo) });
      }
    } catch (e) {
      outbox.close();
      throw e;
    }
    const agent = new Agent(outbox, opts, simulator);
    void outbox.integrity.then((problems) => {
      if (problems.length === 0 || !outbox.db.open) return;
      const message = `The outbox database failed its integrity check (${problems.join('; ')}). Draining is paused: stop the agent, keep a copy of ${outbox.file} and contact support.`;
      outbox.addNotice(message);
      agent.drainer.pause('user', message);
    });
    try {
      if (opts.connect !== false) {
        await agent.link.adoptLegacySecret();
        await agent.reconnect();
      }
    } catch (e) {
      await agent.close();
      throw e;
    }
    return agent;
  }

  start(): void {
    this.drainer.start();
  }

  drainUntilIdle(): Promise<DrainSummary> {
    return this.drainer.drainUntilIdle();
  }

  /** Finishes the request in flight and closes everything; a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.drainer.stop();
      this.link.close();
      await this.simulator?.stop();
      await this.dispatcher.close();
      this.outbox.close();
    })();
    return this.closing;
  }

  subscribe(listener: Listener): () => void {
    return this.events.subscribe(listener);
  }

  api(): AgentApi {
    return createApiClient({ call: (m, a) => this.invoke(m, a), subscribe: (l) => this.subscribe(l) });
  }

  /** For transports: parse unknown arguments, call, and return errors as data. */
  async invoke(method: unknown, args: unknown): Promise<ApiResult<unknown>> {
    try {
      if (!isApiMethod(method)) throw badInput(`unknown method ${JSON.stringify(String(method)).slice(0, 80)}`);
      const handler = this[method] as (a: unknown) => Promise<unknown>;
      return { ok: true, value: await handler.call(this, parseArgs(method, args)) };
    } catch (e) {
      return { ok: false, error: errorData(e) };
    }
  }

  // ---- connection ---------------------------------------------------------------------------

  /** Builds the link from the stored connection and tells the drainer; none means hold the queue. */
  private async reconnect(): Promise<void> {
    const state = await this.link.connect();
    this.drainer.setClient(this.link.client, state.kind === 'not-connected' ? state.reason : undefined);
  }

  /**
   * The entity model queued values are checked against (cached $metadata, however old, while
   * D365 cannot be asked), or the note saying they were not checked.
   */
  private async model(): Promise<{ model: EntityModel } | { note: string }> {
    const catalog = this.link.catalog;
    if (!catalog) return { note: NOT_CONNECTED_NOTE };
    const state = await catalog.current();
    return state.checked ? { model: state.model } : { note: state.note };
  }

  private company(given: string | undefined): string {
    if (given && given.trim() !== '') return given;
    return this.opts.defaultCompany ?? this.settings.preferences().defaultCompany;
  }

  /** "Not connected to D365: 3 updates waiting. Run `outbox connect …` or open Settings." */
  private notConnectedLine(): string | null {
    if (this.opts.demo !== undefined) return null;
    const stored = this.settings.stored();
    const state = this.link.state;
    // Without a link (the CLI's queue commands) a valid stored connection is all that can be known.
    if (stored.kind === 'valid' && (state.kind !== 'not-connected' || this.opts.connect === false)) return null;
    const c = this.outbox.counts();
    const waiting = c.pending + c.sending;
    const why = stored.kind === 'invalid' ? ` ${stored.problem}` : state.kind === 'not-connected' && stored.kind === 'valid' ? ` ${state.reason}` : ` ${CONNECT_HINT}`;
    return `Not connected to D365: ${waiting} ${waiting === 1 ? 'update' : 'updates'} waiting.${why}`;
  }

  // ---- queries ------------------------------------------------------------------------------

  async status(): Promise<AgentStatus> {
    const state = this.link.state;
    const stored = this.settings.stored();
    const unlinked = this.opts.connect === false && stored.kind === 'valid';
    return {
      counts: this.outbox.counts(),
      mode: state.kind === 'demo' ? 'demo' : state.kind === 'connected' || unlinked ? 'd365' : 'not-connected',
      target: state.kind !== 'not-connected' ? state.target : unlinked ? stored.connection.environmentUrl : '',
      connection: this.notConnectedLine(),
      company: this.company(undefined),
      drain: this.drainer.status(),
      notices: this.outbox.notices(),
      failedNeedingLook: this.outbox.failedNeedingLook(),
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

  /** XLSX travels as base64 (IPC and HTTP carry text); nothing matching is count 0 and no body. */
  async exportConflicts(args: ApiArgs<'exportConflicts'>): Promise<ApiOutputs['exportConflicts']> {
    const now = (this.opts.now ?? Date.now)();
    const file = await exportConflicts(this.outbox.db, args.format, args, { timeZone: args.timeZone, now });
    const stamp = new Date(parseTimeZone(args.timeZone).wallClock(now)).toISOString().slice(0, 10);
    const binary = args.format === 'xlsx';
    return {
      filename: `outbox-conflicts-${stamp}.${args.format}`,
      contentType: CONTENT_TYPES[args.format],
      body: file.body.toString(binary ? 'base64' : 'utf8'),
      encoding: binary ? 'base64' : 'utf-8',
      count: file.count,
    };
  }

  async metrics(args: ApiArgs<'metrics'>): Promise<ApiOutputs['metrics']> {
    return this.metricsStore.snapshot({
      since: args.since === undefined ? undefined : parseDateFilter(args.since, 'since'),
      until: args.until === undefined ? undefined : parseDateFilter(args.until, 'until'),
    });
  }

  async lookupOrder(args: ApiArgs<'lookupOrder'>): Promise<OrderLookup> {
    const client = this.link.client;
    if (!client) return { online: false, message: 'Not connected to D365; the update will be queued without a base.' };
    try {
      const snap = await client.getOrder({ company: this.company(args.company), orderNumber: args.orderNumber.trim() }, args.fields);
      return { online: true, values: snap.values, etag: snap.etag };
    } catch (e) {
      if (isD365Error(e) && e.code === 'NOT_FOUND') throw new OutboxError('NOT_FOUND', e.message);
      if (isD365Error(e) && e.code === 'VALIDATION') throw badInput(e.message);
      return { online: false, message: `${e instanceof Error ? e.message : String(e)} — the update will be queued without a base.` };
    }
  }

  // ---- commands -----------------------------------------------------------------------------

  async enqueue(args: ApiArgs<'enqueue'>): Promise<ApiOutputs['enqueue']> {
    const input = checkUpdate({
      company: this.company(args.company),
      orderNumber: args.orderNumber,
      fields: args.fields,
      base: args.base ?? null,
      source: args.source,
      queuedBy: this.opts.queuedBy,
    });
    // Shape first, so a malformed input never costs a round trip to D365.
    const known = await this.model();
    const checked = 'model' in known ? typedUpdate(known.model, input) : input;
    if (Array.isArray(checked)) throw badInput(checked.join('; '));
    const note = 'note' in known ? known.note : undefined;
    const result = this.outbox.enqueue(checked);
    this.events.emit({ type: 'queued', id: result.id, company: input.company, orderNumber: input.orderNumber, coalesced: result.coalesced });
    this.drainer.wake();
    return note === undefined ? result : { ...result, note };
  }

  /**
   * Reads the file as given (text, or bytes in the encoding found or chosen), checks every row
   * as planImport does, then types the values by $metadata: every bad row by its line.
   */
  private async plan(args: ApiArgs<'importCsv'>) {
    let csv = args.csv;
    let encoding: CsvEncoding = 'utf-8';
    if (args.data !== undefined) {
      const bytes = Buffer.from(args.data, 'base64');
      encoding = args.encoding === 'auto' ? detectEncoding(bytes) : args.encoding;
      csv = decodeCsv(bytes, encoding);
    }
    const plan = planImport(csv!, {
      defaultCompany: this.company(undefined),
      queuedBy: this.opts.queuedBy,
      delimiter: args.delimiter === 'auto' ? undefined : args.delimiter,
    });
    const read = { encoding, delimiter: plan.delimiter };
    const known = await this.model();
    if (!('model' in known)) return { ...plan, ...read, note: known.note };
    const model = known.model;
    // A column D365 does not have (or may not change) is one problem of the header, not one per row.
    const names = [...new Set(plan.rows.flatMap((r) => Object.keys(r.input.fields)))];
    const header = names.map((n) => fieldProblem(model, n)).filter((p) => p !== null).map((message) => ({ line: 1, message: `column ${message}` }));
    if (header.length > 0) return { rows: [], problems: [...header, ...plan.problems].sort((a, b) => a.line - b.line), ...read, note: undefined };
    const rows: typeof plan.rows = [];
    const problems = [...plan.problems];
    for (const row of plan.rows) {
      const typed = typedUpdate(model, row.input);
      if (Array.isArray(typed)) problems.push({ line: row.line, message: typed.join('; ') });
      else rows.push({ line: row.line, input: typed });
    }
    return { rows, problems: problems.sort((a, b) => a.line - b.line), ...read, note: undefined };
  }

  async previewImport(args: ApiArgs<'previewImport'>): Promise<ApiOutputs['previewImport']> {
    const plan = await this.plan(args);
    return {
      ...(plan.note === undefined ? {} : { note: plan.note }),
      rows: plan.rows.length,
      problems: plan.problems,
      encoding: plan.encoding,
      delimiter: plan.delimiter,
      sample: plan.rows.slice(0, 20).map((r) => ({
        line: r.line,
        company: r.input.company,
        orderNumber: r.input.orderNumber,
        fields: r.input.fields,
        base: r.input.base,
      })),
    };
  }

  async importCsv(args: ApiArgs<'importCsv'>): Promise<ApiOutputs['importCsv']> {
    const plan = await this.plan(args);
    if (plan.problems.length > 0) {
      const first = plan.problems.slice(0, 5).map((p) => `line ${p.line}: ${p.message}`).join('; ');
      throw badInput(`${plan.problems.length} row(s) are wrong, nothing was imported: ${first}`);
    }
    const note = plan.note;
    const inputs = args.base === 'current' ? await this.withCurrentBase(plan.rows.map((r) => r.input)) : plan.rows.map((r) => r.input);
    const results = this.outbox.enqueueMany(inputs);
    for (const [i, r] of results.entries()) {
      const input = plan.rows[i]!.input;
      this.events.emit({ type: 'queued', id: r.id, company: input.company, orderNumber: input.orderNumber, coalesced: r.coalesced });
    }
    this.drainer.wake();
    const counts = { queued: results.length, merged: results.filter((r) => r.coalesced).length };
    return note === undefined ? counts : { ...counts, note };
  }

  /**
   * Rows without a base get D365's current values as their base, read in batches: a change
   * someone makes between this import and the send is then a conflict, not overwritten.
   */
  private async withCurrentBase(inputs: CheckedUpdate[]): Promise<CheckedUpdate[]> {
    const client = this.link.client;
    if (!client) throw new OutboxError('INVALID_STATE', 'Not connected to D365: the current values cannot be read. Import without them as the base, or connect first.');
    const out: CheckedUpdate[] = [];
    for (let i = 0; i < inputs.length; i += 50) {
      const chunk = inputs.slice(i, i + 50);
      const reads = await client.readOrders(chunk, chunk.map((u) => Object.keys(u.fields)));
      for (const [j, u] of chunk.entries()) {
        const read = reads[j]!;
        if (isD365Error(read)) {
          if (read.code === 'NOT_FOUND') throw badInput(`${describeKey(u)}: ${read.message}`);
          throw read;
        }
        const base = { ...Object.fromEntries(Object.keys(u.fields).map((f) => [f, read.values[f] ?? null])), ...(u.base ?? {}) };
        out.push(checkUpdate({ ...u, base }));
      }
    }
    return out;
  }

  async lookupOrders(args: ApiArgs<'lookupOrders'>): Promise<ApiOutputs['lookupOrders']> {
    const client = this.link.client;
    if (!client) return { online: false, message: 'Not connected to D365; updates will be queued without a base.' };
    const company = this.company(args.company);
    const keys = args.orderNumbers.map((n) => ({ company, orderNumber: n.trim() }));
    try {
      const reads = await client.readOrders(keys, keys.map(() => args.fields));
      return {
        online: true,
        orders: reads.map((r, i) =>
          isD365Error(r) ? { orderNumber: keys[i]!.orderNumber, error: { code: r.code, message: r.message } } : { orderNumber: keys[i]!.orderNumber, values: r.values, etag: r.etag },
        ),
      };
    } catch (e) {
      return { online: false, message: `${e instanceof Error ? e.message : String(e)} — updates will be queued without a base.` };
    }
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

  async retry(args: ApiArgs<'retry'>): Promise<ApiOutputs['retry']> {
    const u = this.outbox.retry(args.id, this.opts.queuedBy);
    this.events.emit({ type: 'changed', id: u.id, action: 'requeued' });
    this.drainer.wake();
    return u;
  }

  async undoCancel(args: ApiArgs<'undoCancel'>): Promise<ApiOutputs['undoCancel']> {
    const u = this.outbox.undoCancel(args.id, this.opts.queuedBy);
    this.events.emit({ type: 'changed', id: u.id, action: 'restored' });
    this.drainer.wake();
    return u;
  }

  async requeue(args: ApiArgs<'requeue'>): Promise<ApiOutputs['requeue']> {
    const old = this.outbox.get(args.id);
    if (!old) throw new OutboxError('NOT_FOUND', `No update with id ${args.id}`);
    // The same rules as a new update (and the same check of the field names).
    // Without a new base, what was seen of the fields still changed stays their base.
    const kept = Object.fromEntries(Object.entries(old.base ?? {}).filter(([f]) => f in args.fields));
    const input = checkUpdate({ ...old, fields: args.fields, base: args.base === undefined ? kept : args.base, source: old.source, queuedBy: this.opts.queuedBy });
    const known = await this.model();
    const checked = 'model' in known ? typedUpdate(known.model, input) : input;
    if (Array.isArray(checked)) throw badInput(checked.join('; '));
    const u = this.outbox.requeue(args.id, checked.fields, checked.base, this.opts.queuedBy);
    this.events.emit({ type: 'changed', id: u.id, action: 'requeued' });
    this.drainer.wake();
    return u;
  }

  async resolveConflicts(args: ApiArgs<'resolveConflicts'>): Promise<ApiOutputs['resolveConflicts']> {
    const resolved: Update[] = [];
    const failed: { id: number; code: string; message: string }[] = [];
    for (const id of args.ids) {
      try {
        resolved.push(this.outbox.resolve(id, args.resolution, this.opts.queuedBy));
        this.events.emit({ type: 'changed', id, action: 'resolved' });
      } catch (e) {
        failed.push({ id, ...errorData(e) });
      }
    }
    this.drainer.wake();
    return { resolved, failed };
  }

  async resolveConflict(args: ApiArgs<'resolveConflict'>): Promise<ApiOutputs['resolveConflict']> {
    let resolution = args.resolution;
    if (resolution.action === 'edit') {
      // edited values are queued again: they are checked like any other
      const known = await this.model();
      if ('model' in known) {
        const typed = typeFields(known.model, resolution.fields);
        if (typed.problems.length > 0) throw badInput(typed.problems.join('; '));
        resolution = { action: 'edit', fields: typed.fields };
      }
    }
    const u = this.outbox.resolve(args.id, resolution, this.opts.queuedBy);
    this.events.emit({ type: 'changed', id: u.id, action: 'resolved' });
    this.drainer.wake();
    return u;
  }

  async acknowledgeNotice(args: ApiArgs<'acknowledgeNotice'>): Promise<ApiOutputs['acknowledgeNotice']> {
    this.outbox.acknowledgeNotice(args.id);
    return this.outbox.notices();
  }

  async pauseDrain(): Promise<ApiOutputs['pauseDrain']> {
    this.drainer.pause('user');
    return this.drainer.status();
  }

  async resumeDrain(): Promise<ApiOutputs['resumeDrain']> {
    this.drainer.resume();
    return this.drainer.status();
  }

  /** "Try now": skips the wait of a throttle or outage probe (and restarts a stopped loop). */
  async drainNow(): Promise<ApiOutputs['drainNow']> {
    const p = this.drainer.status().paused;
    if (p && p.reason !== 'user' && p.reason !== 'credentials' && p.reason !== 'not-connected') this.drainer.resume();
    // Skips the wait: what an outage or a lost race deferred to later is due now.
    this.outbox.dueNow();
    this.drainer.wake();
    return this.drainer.status();
  }

  async getSettings(): Promise<SettingsView> {
    const connection = this.settings.connection();
    const stored = this.settings.stored();
    return {
      mode: (await this.status()).mode,
      connection,
      problem: stored.kind === 'invalid' ? stored.problem : null,
      hasSecret: connection ? await this.link.hasSecret(connection) : false,
      secretStore: this.link.secretStoreKind,
      preferences: this.settings.preferences(),
    };
  }

  async saveSettings(args: ApiArgs<'saveSettings'>): Promise<SettingsView> {
    if (this.opts.demo !== undefined && (args.connection !== undefined || args.secret)) {
      throw new OutboxError('INVALID_STATE', 'This is the demo: its connection is the embedded simulator. Leave the demo to set up D365.');
    }
    if (args.preferences) {
      const prefs = this.settings.setPreferences(args.preferences);
      this.drainer.setRetryLimit(prefs.retryLimit);
    }
    if (args.connection !== undefined) {
      await this.link.save(args.connection, args.secret);
      await this.reconnect();
    } else if (args.secret) {
      const c = this.settings.connection();
      if (!c) throw badInput('a secret needs a connection: set the environment, tenant and client id first');
      await this.link.save(c, args.secret);
      await this.reconnect();
    }
    return this.getSettings();
  }

  async testConnection(): Promise<ApiOutputs['testConnection']> {
    const client = this.link.client;
    const state = this.link.state;
    if (!client || state.kind === 'not-connected') return { ok: false, message: state.kind === 'not-connected' ? state.reason : 'Not connected to D365.' };
    // reads $metadata afresh and keeps it: after `outbox connect` the CLI checks values offline
    const catalog = this.link.catalog!;
    const failed = await catalog.refresh();
    if (failed !== null) return { ok: false, message: failed };
    const read = await catalog.current();
    const n = read.checked ? read.model.properties.length : 0;
    return { ok: true, message: `Connected to ${state.target}: ${client.profile.entitySet} has ${n} fields.` };
  }

  async fieldCatalog(): Promise<ApiOutputs['fieldCatalog']> {
    return (await this.link.catalog?.view()) ?? null;
  }

  /** Demo switching belongs to a host that can hold two agents (see DemoSwitch). */
  async startDemo(): Promise<ApiOutputs['startDemo']> {
    throw new OutboxError('INVALID_STATE', 'The demo can be started from the desktop app or `outbox serve`; here, run `outbox demo`.');
  }

  async leaveDemo(): Promise<ApiOutputs['leaveDemo']> {
    throw new OutboxError('INVALID_STATE', 'This agent is not showing the demo.');
  }
}

/**
 * An update's values (and base) read as the types $metadata gives them, as a checked update;
 * or every problem, in words a person can act on.
 */
function typedUpdate(model: EntityModel, u: CheckedUpdate): CheckedUpdate | string[] {
  const fields = typeFields(model, u.fields);
  // a base is checked only for fields that passed: one problem per field is enough
  const given = u.base ? Object.fromEntries(Object.entries(u.base).filter(([name]) => name in fields.fields)) : null;
  const base = given ? typeFields(model, given, 'base') : null;
  const problems = [...fields.problems, ...(base?.problems ?? [])];
  if (problems.length > 0) return problems;
  return checkUpdate({ ...u, fields: fields.fields, base: base ? base.fields : null });
}

/** A folder holds either a demo outbox or a real one, and an agent of the other kind refuses it. */
function refuseWrongFolder(outbox: Outbox, demo: boolean): void {
  const settings = new Settings(outbox.db);
  if (settings.isDemo() === demo) return;
  if (!demo) {
    throw new OutboxError('INVALID_STATE', `${outbox.file} is a demo outbox; the real outbox lives in the folder above it. Choose another --data-dir.`);
  }
  const c = outbox.counts();
  const used = Object.values(c).some((n) => n > 0) || settings.stored().kind !== 'none';
  if (used) throw new OutboxError('INVALID_STATE', `${outbox.file} holds a real queue; the demo never uses it. Its own folder is ${demoFolder(path.dirname(outbox.file))}.`);
  settings.markDemo();
}

/** Any error as `{ code, message }` data; never a stack, never a secret. */
export function errorData(e: unknown): { code: string; message: string } {
  if (isOutboxError(e) || isD365Error(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
