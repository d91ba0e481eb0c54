import fs from 'node:fs';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import { createApiClient, isApiMethod, parseArgs, type AgentApi, type AgentHandlers, type ApiResult } from './api.ts';
import { D365Link } from './connection.ts';
import { createDispatcher } from './d365/client.ts';
import { MetadataCache } from './d365/metadata-cache.ts';
import { Drainer, type DrainerOptions, type DrainSummary } from './engine/drainer.ts';
import { DEFAULT_RETRY } from './engine/etag-retry.ts';
import { OutboxError, badInput } from './errors.ts';
import { EventBus, type Listener } from './events.ts';
import { importHandlers } from './handlers/imports.ts';
import { errorData, type AgentParts } from './handlers/parts.ts';
import { queryHandlers } from './handlers/queries.ts';
import { queueHandlers } from './handlers/queue.ts';
import { settingsHandlers } from './handlers/settings.ts';
import { Metrics } from './metrics.ts';
import { Outbox } from './outbox/outbox.ts';
import { databaseFile } from './paths.ts';
import type { SecretStore } from './secrets.ts';
import { Settings } from './settings.ts';
import type { Simulator } from './simulator/simulator.ts';
import type { SimulatorOptions } from './simulator/types.ts';

export { errorData };

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
export class Agent implements AgentHost {
  private readonly outbox: Outbox;
  private readonly events: EventBus;
  private readonly drainer: Drainer;
  private readonly link: D365Link;
  private readonly dispatcher: Dispatcher;
  /** the contract's handlers, in four groups (core/handlers/) */
  private readonly handlers: AgentHandlers;
  readonly simulator: Simulator | null;
  private closing: Promise<void> | null = null;

  private constructor(outbox: Outbox, opts: AgentOptions, simulator: Simulator | null) {
    this.outbox = outbox;
    this.simulator = simulator;
    this.events = new EventBus(opts.now);
    const metrics = new Metrics(outbox.db, opts.now);
    const settings = new Settings(outbox.db);
    this.dispatcher = createDispatcher();
    this.link = new D365Link({
      settings,
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
    this.drainer = new Drainer(outbox, null, this.events, metrics, {
      ...opts.drainer,
      retry: { ...(opts.drainer?.retry ?? DEFAULT_RETRY), retryLimit: opts.drainer?.retry?.retryLimit ?? settings.preferences().retryLimit },
    });
    const parts: AgentParts = { outbox, events: this.events, metrics, settings, drainer: this.drainer, link: this.link, opts, reconnect: () => this.reconnect() };
    this.handlers = { ...queryHandlers(parts), ...queueHandlers(parts), ...importHandlers(parts), ...settingsHandlers(parts) };
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
      const handler = this.handlers[method] as (a: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parseArgs(method, args)) };
    } catch (e) {
      return { ok: false, error: errorData(e) };
    }
  }

  /** Builds the link from the stored connection and tells the drainer; none means hold the queue. */
  private async reconnect(): Promise<void> {
    const state = await this.link.connect();
    this.drainer.setClient(this.link.client, state.kind === 'not-connected' ? state.reason : undefined);
  }
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
