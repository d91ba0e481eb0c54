import type { Dispatcher } from 'undici';
import type { BatchSettings } from './d365/batch-settings.ts';
import { D365Client } from './d365/client.ts';
import { FieldCatalog } from './d365/metadata.ts';
import type { MetadataCache, MetadataKey } from './d365/metadata-cache.ts';
import { profileNamed } from './d365/profile.ts';
import { EntraTokenSource } from './d365/token.ts';
import { badInput } from './errors.ts';
import { legacySecretAccount, secretAccount, type SecretStore } from './secrets.ts';
import { checkConnection, type Connection, type Settings } from './settings.ts';
import type { Simulator } from './simulator/simulator.ts';

/** Where updates go, as the agent tells every screen, the tray and the CLI. */
export type LinkState =
  | { kind: 'demo'; target: string }
  | { kind: 'connected'; target: string }
  /** nothing is sent; `reason` says why and what to do */
  | { kind: 'not-connected'; reason: string };

export const CONNECT_HINT = 'Run `outbox connect …` or open Settings.';

export interface LinkOptions {
  settings: Settings;
  secrets: SecretStore;
  /** OUTBOX_CLIENT_SECRET: used for any connection; never stored */
  envSecret?: string;
  dispatcher: Dispatcher;
  /** the entity models read from $metadata, kept in the outbox */
  metadata: MetadataCache;
  now?: () => number;
  /** demo mode: the embedded simulator, and only it */
  simulator?: Simulator;
  /** something people must be told (the connection now sends singly…) */
  notice?: (message: string) => void;
}

/**
 * The link to D365 and the secret's lifecycle: builds the client from the stored connection
 * (never from anything else: with no usable connection nothing is sent), files the secret
 * under an account bound to where it may be sent, and refuses to reuse it anywhere else.
 */
export class D365Link {
  private readonly opts: LinkOptions;
  private current: { client: D365Client; catalog: FieldCatalog } | null = null;
  /** the stored connection's cached model, for when there is no client (CLI queue commands, no secret) */
  private offline: FieldCatalog | null = null;
  private linkState: LinkState = { kind: 'not-connected', reason: `No D365 connection is configured. ${CONNECT_HINT}` };

  constructor(opts: LinkOptions) {
    this.opts = opts;
  }

  get state(): LinkState {
    return this.linkState;
  }

  get client(): D365Client | null {
    return this.current?.client ?? null;
  }

  /** What queued values are checked against: the connected client's, else the stored connection's cache; null with no connection set up. */
  get catalog(): FieldCatalog | null {
    if (this.current) return this.current.catalog;
    if (this.opts.simulator) return null;
    const stored = this.opts.settings.stored();
    if (stored.kind !== 'valid') return null;
    const key = metadataKey(stored.connection);
    if (!this.offline || this.offline.key.serviceRoot !== key.serviceRoot || this.offline.key.entitySet !== key.entitySet) {
      this.offline = new FieldCatalog({ key, cache: this.opts.metadata, fetch: null, now: this.opts.now });
    }
    return this.offline;
  }

  /** Stops a $metadata read in flight (the agent is closing). */
  close(): void {
    this.current?.catalog.close();
  }

  /** Where the secret comes from, in words for Settings. */
  get secretStoreKind(): string {
    return this.opts.secrets.kind;
  }

  /** (Re)builds the client from the stored connection; a missing or unusable one leaves none. */
  async connect(): Promise<LinkState> {
    this.current?.catalog.close();
    this.current = null;
    const sim = this.opts.simulator;
    if (sim) {
      this.use({ profile: 'fo', environmentUrl: sim.url, tenant: 'sim-tenant', clientId: 'outbox-agent', authorityUrl: sim.authorityUrl }, async () => 'sim-secret');
      void this.current!.catalog.refresh();
      return (this.linkState = { kind: 'demo', target: sim.url });
    }
    const stored = this.opts.settings.stored();
    if (stored.kind === 'none') return (this.linkState = { kind: 'not-connected', reason: `No D365 connection is configured. ${CONNECT_HINT}` });
    if (stored.kind === 'invalid') return (this.linkState = { kind: 'not-connected', reason: stored.problem });
    const c = stored.connection;
    if ((await this.secretFor(c)) === null) {
      return (this.linkState = {
        kind: 'not-connected',
        reason: `No client secret is stored for ${c.environmentUrl} (tenant ${c.tenant}, client ${c.clientId}). Enter it in Settings, or run \`outbox connect …\`.`,
      });
    }
    this.use(c, async () => (await this.secretFor(c)) ?? '');
    // on connect, so that what is queued offline later is checked against a fresh copy
    void this.current!.catalog.refresh();
    return (this.linkState = { kind: 'connected', target: c.environmentUrl });
  }

  /** Earlier versions filed the secret under tenant/client only: move it to its bound account. Once, at start-up. */
  async adoptLegacySecret(): Promise<void> {
    const c = this.opts.settings.connection();
    if (!c || this.opts.envSecret || this.opts.simulator) return;
    const legacy = legacySecretAccount(c);
    const old = await this.opts.secrets.get(legacy);
    if (old === null) return;
    if ((await this.opts.secrets.get(secretAccount(c))) === null) await this.opts.secrets.set(secretAccount(c), old);
    await this.opts.secrets.delete(legacy);
  }

  async hasSecret(c: Connection): Promise<boolean> {
    return (await this.secretFor(c)) !== null;
  }

  /**
   * Stores a new connection (null removes it). The secret stays bound to the authority and
   * target it was given for: a change of authority, environment, API root or scope needs the
   * secret again in the same call, or is refused and nothing is changed.
   */
  async save(given: Connection | null, secret: string | undefined): Promise<void> {
    const old = this.opts.settings.connection();
    const next = given && checkConnection(given);
    if (next && !secret) {
      const moved = !old || secretAccount(old) !== secretAccount(next);
      const envSecretMoves = this.opts.envSecret !== undefined && old !== null && moved;
      if (moved && (this.opts.envSecret === undefined || envSecretMoves)) {
        throw badInput(
          old
            ? 'The sign-in address, environment, API root or scope changed: enter the client secret again. A stored secret is only ever sent to the sign-in server it was given for.'
            : 'Enter the client secret for this connection (it is kept in the OS keychain, never in the outbox).',
        );
      }
    }
    const saved = this.opts.settings.setConnection(next);
    if (old && (!saved || secretAccount(old) !== secretAccount(saved))) {
      await this.opts.secrets.delete(secretAccount(old));
      await this.opts.secrets.delete(legacySecretAccount(old));
    }
    if (saved && secret) await this.opts.secrets.set(secretAccount(saved), secret);
  }

  /** What the client learned about $batch stays with the connection it was learned on. */
  private batchLearned(c: Connection, batch: BatchSettings, notice: string | null): void {
    const saved = this.opts.settings.connection();
    const same = saved && saved.environmentUrl === c.environmentUrl && saved.profile === c.profile && saved.serviceRoot === c.serviceRoot;
    if (!this.opts.simulator && same) this.opts.settings.setConnection({ ...saved, batch });
    if (notice) this.opts.notice?.(notice);
  }

  private async secretFor(c: Connection): Promise<string | null> {
    if (this.opts.envSecret) return this.opts.envSecret;
    return this.opts.secrets.get(secretAccount(c));
  }

  private use(c: Connection, secret: () => Promise<string>): void {
    const profile = profileNamed(c.profile);
    const tokens = new EntraTokenSource(
      { authorityUrl: c.authorityUrl, tenant: c.tenant, clientId: c.clientId, scope: c.scope ?? profile.scope(c.environmentUrl) },
      secret,
      this.opts.dispatcher,
      this.opts.now,
    );
    const client = new D365Client({
      serviceRoot: metadataKey(c).serviceRoot,
      profile,
      tokens,
      dispatcher: this.opts.dispatcher,
      now: this.opts.now,
      batchSettings: c.batch,
      onBatchLearned: (batch, notice) => this.batchLearned(c, batch, notice),
    });
    const catalog = new FieldCatalog({ key: metadataKey(c), cache: this.opts.metadata, fetch: (signal) => client.entityModel(signal), now: this.opts.now });
    this.current = { client, catalog };
  }
}

/** A connection's OData service root and entity set: what its $metadata is cached under. */
function metadataKey(c: Connection): MetadataKey {
  const profile = profileNamed(c.profile);
  return { serviceRoot: (c.serviceRoot ?? `${c.environmentUrl.replace(/\/+$/, '')}${profile.servicePath}`).replace(/\/+$/, ''), entitySet: profile.entitySet };
}
