import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import { createDispatcher, D365Client, type D365ClientOptions } from '../../../core/d365/client.ts';
import { PROFILES, type EntityProfile } from '../../../core/d365/profile.ts';
import { EntraTokenSource } from '../../../core/d365/token.ts';
import { Drainer, type DrainerOptions } from '../../../core/engine/drainer.ts';
import { EventBus, type StampedEvent } from '../../../core/events.ts';
import { Metrics } from '../../../core/metrics.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { checkUpdate, type UpdateInput } from '../../../core/outbox/update-input.ts';
import { Simulator } from '../../../core/simulator/simulator.ts';
import type { SimulatorOptions } from '../../../core/simulator/types.ts';

/** What the rig needs of a simulator: where it listens, and how it stops. */
export type SimulatorEndpoints = Pick<Simulator, 'url' | 'authorityUrl' | 'foDataUrl' | 'bcApiUrl' | 'dataverseUrl' | 'stop'>;

/** A real outbox file, a real simulator on 127.0.0.1, and a drainer with short waits. */
export interface Rig<S extends SimulatorEndpoints = Simulator> {
  dir: string;
  outbox: Outbox;
  sim: S;
  client: D365Client;
  tokens: EntraTokenSource;
  events: EventBus;
  seen: StampedEvent[];
  metrics: Metrics;
  drainer: Drainer;
  enqueue(orderNumber: string, fields: UpdateInput['fields'], base?: UpdateInput['base'], company?: string): number;
  close(): Promise<void>;
}

export const FAST: DrainerOptions = {
  retry: { retryLimit: 3, backoffMs: [20, 40, 80], jitter: 0.25 },
  gaveUpDelayMs: 200,
  probeMinMs: 50,
  probeMaxMs: 400,
  pollMs: 50,
};

export interface RigOptions<S extends SimulatorEndpoints = Simulator> {
  sim?: SimulatorOptions;
  /** a simulator already started (a proxy in front of it needed its port first, or it runs in a process of its own) */
  simulator?: S;
  drainer?: DrainerOptions;
  profile?: EntityProfile;
  secret?: string;
  /** defaults to the simulator's; a fault proxy or an unresolvable host goes here */
  serviceRoot?: (sim: NoInfer<S>) => string;
  authorityUrl?: (sim: NoInfer<S>) => string;
  dispatcher?: Dispatcher;
  /** false: single requests only, so a scripted GET/PATCH fault meets exactly the request it names */
  batch?: boolean;
  /** more client options: what it learned about $batch before, and where it reports what it learns */
  client?: Pick<D365ClientOptions, 'batchSettings' | 'onBatchLearned'>;
  /** short waits for tests (default); false keeps the product's own waits (benchmarks) */
  fast?: boolean;
}

/** The rig with every part open to replacement (fault tests put proxies and odd hosts in). */
export async function buildRig<S extends SimulatorEndpoints = Simulator>(o: RigOptions<S> = {}): Promise<Rig<S> & { newClient(secret: string): D365Client }> {
  const profile = o.profile ?? PROFILES.fo;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-engine-'));
  const outbox = Outbox.open(path.join(dir, 'outbox.sqlite'));
  const sim = o.simulator ?? ((await Simulator.start({ orders: 20, ...o.sim })) as unknown as S);
  const dispatcher = o.dispatcher ?? createDispatcher({ connectMs: 2000, headersMs: 2000, bodyMs: 2000 });
  let tokens!: EntraTokenSource;
  const newClient = (secret: string) => {
    tokens = new EntraTokenSource(
      { authorityUrl: o.authorityUrl?.(sim) ?? sim.authorityUrl, tenant: 'sim-tenant', clientId: 'outbox-agent', scope: `${sim.url}/.default` },
      async () => secret,
      dispatcher,
    );
    const serviceRoot = o.serviceRoot?.(sim) ?? { fo: sim.foDataUrl, bc: sim.bcApiUrl, dataverse: sim.dataverseUrl }[profile.name];
    return new D365Client({ serviceRoot, profile, tokens, dispatcher, batch: o.batch, ...o.client });
  };
  const client = newClient(o.secret ?? 'sim-secret');
  const events = new EventBus();
  const seen: StampedEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const metrics = new Metrics(outbox.db);
  const drainer = new Drainer(outbox, client, events, metrics, { ...(o.fast === false ? {} : FAST), ...o.drainer });
  return {
    dir,
    outbox,
    sim,
    client,
    tokens,
    events,
    seen,
    metrics,
    drainer,
    newClient,
    enqueue(orderNumber, fields, base = null, company = 'USMF') {
      return outbox.enqueue(checkUpdate({ company, orderNumber, fields, base, source: 'cli', queuedBy: 'test' })).id;
    },
    async close() {
      await drainer.stop();
      await sim.stop();
      await dispatcher.close();
      outbox.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function rig(sim: SimulatorOptions = {}, drainer: DrainerOptions = {}, profile: EntityProfile = PROFILES.fo, secret = 'sim-secret'): Promise<Rig> {
  return buildRig({ sim, drainer, profile, secret });
}

/** Resolves when an event matching the predicate arrives (or rejects after ms). */
export function nextEvent(r: Rig, match: (e: StampedEvent) => boolean, ms = 10_000): Promise<StampedEvent> {
  const found = r.seen.find(match);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event within ${ms} ms; saw: ${r.seen.map((e) => e.type).join(',')}`));
    }, ms);
    const off = r.events.subscribe((e) => {
      if (match(e)) {
        clearTimeout(timer);
        off();
        resolve(e);
      }
    });
  });
}
