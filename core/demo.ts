/**
 * The demo and training mode, for hosts with a window (desktop app, headless server): a second
 * agent over its own outbox (dataDir/demo) and the embedded simulator, which a person switches
 * to and back. The real agent keeps its own queue meanwhile; the demo never touches it.
 */
import { Agent, demoFolder, type AgentHost, type AgentOptions } from './agent.ts';
import { createApiClient, type AgentApi, type ApiResult } from './api.ts';
import type { DrainSummary } from './engine/drainer.ts';
import type { Listener, StampedEvent } from './events.ts';
import type { Simulator } from './simulator/simulator.ts';
import type { SimulatorOptions } from './simulator/types.ts';

/** Other users keep touching orders, sometimes the very fields we change, so conflicts arrive. */
export const DEMO_SIMULATOR: SimulatorOptions = {
  autoCreate: true,
  // A visible round trip, so "sending" shows in the UI instead of flashing past.
  latencyMs: 60,
  writers: { perSecond: 0.5, onRequest: 0.15, sameFieldProbability: 0.3 },
};

export interface DemoSwitchOptions extends Omit<AgentOptions, 'demo'> {
  /** open showing the demo; 'when-new': only a fresh install (no connection, an empty queue) */
  startInDemo?: boolean | 'when-new';
  /** simulator options merged over DEMO_SIMULATOR */
  simulator?: SimulatorOptions;
  /** how often the demo's desk queues a new update (default 4 s) */
  deskEveryMs?: number;
}

/** The agent a window talks to: the real one, or the demo while a person tries it. */
export class DemoSwitch implements AgentHost {
  private readonly opts: DemoSwitchOptions;
  private readonly real: Agent;
  private demo: Agent | null = null;
  private desk: DemoDesk | null = null;
  private readonly listeners = new Set<Listener>();
  private offActive: () => void = () => {};
  private started = false;

  private constructor(real: Agent, opts: DemoSwitchOptions) {
    this.real = real;
    this.opts = opts;
    this.offActive = real.subscribe((e) => this.tell(e));
  }

  static async open(opts: DemoSwitchOptions): Promise<DemoSwitch> {
    const host = new DemoSwitch(await Agent.open(opts), opts);
    let demo = opts.startInDemo === true;
    if (opts.startInDemo === 'when-new') {
      // Fresh: no connection stored (not even an unusable one) and nothing ever queued.
      const [real, settings] = await Promise.all([host.real.api().status(), host.real.api().getSettings()]);
      demo = settings.connection === null && settings.problem === null && Object.values(real.counts).every((n) => n === 0);
    }
    if (demo) await host.enterDemo();
    return host;
  }

  /** The agent the window shows now. */
  get active(): Agent {
    return this.demo ?? this.real;
  }

  get simulator(): Simulator | null {
    return this.demo?.simulator ?? null;
  }

  api(): AgentApi {
    return createApiClient({ call: (m, a) => this.invoke(m, a), subscribe: (l) => this.subscribe(l) });
  }

  async invoke(method: unknown, args: unknown): Promise<ApiResult<unknown>> {
    if (method === 'startDemo' || method === 'leaveDemo') {
      const parsed = await this.real.invoke('status', args);
      if (!parsed.ok) return parsed;
      if (method === 'startDemo') await this.enterDemo();
      else await this.leaveDemo();
      return this.active.invoke('status', undefined);
    }
    return this.active.invoke(method, args);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  start(): void {
    this.started = true;
    this.real.start();
    this.demo?.start();
    this.desk?.start();
  }

  drainUntilIdle(): Promise<DrainSummary> {
    return this.active.drainUntilIdle();
  }

  async close(): Promise<void> {
    this.offActive();
    this.desk?.stop();
    await this.demo?.close();
    this.demo = null;
    await this.real.close();
  }

  private async enterDemo(): Promise<void> {
    if (this.demo) return;
    const { startInDemo: _s, simulator, deskEveryMs, ...agentOptions } = this.opts;
    this.demo = await Agent.open({ ...agentOptions, dataDir: demoFolder(this.opts.dataDir), demo: { ...DEMO_SIMULATOR, ...simulator } });
    this.desk = new DemoDesk(this.demo, deskEveryMs ?? 4000);
    await this.desk.seed();
    if (this.started) {
      this.demo.start();
      this.desk.start();
    }
    this.follow(this.demo);
  }

  private async leaveDemo(): Promise<void> {
    if (!this.demo) return;
    this.desk?.stop();
    this.desk = null;
    const demo = this.demo;
    this.demo = null;
    this.follow(this.real);
    await demo.close();
  }

  /** Listeners hear the shown agent only, and a 'mode' event when a switch changes it. */
  private follow(agent: Agent): void {
    this.offActive();
    this.offActive = agent.subscribe((e) => this.tell(e));
    void agent.api().status().then((s) => {
      if (this.active === agent) this.tell({ type: 'mode', mode: s.mode, seq: 0, at: Date.now() });
    });
  }

  private tell(e: StampedEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}

/** A day for RequestedShippingDate, written in the type the entity's $metadata declares. */
type ShippingDay = (day: string) => string;

const deskChanges = (shippingDay: ShippingDay): { orderNumber: string; fields: Record<string, string> }[] => [
  { orderNumber: 'SO-000003', fields: { DeliveryModeCode: '30' } },
  { orderNumber: 'SO-000007', fields: { RequestedShippingDate: shippingDay('2027-01-15') } },
  { orderNumber: 'SO-000011', fields: { CustomerRequisitionNumber: 'PO-4471' } },
  { orderNumber: 'SO-000015', fields: { SalesOrderStatus: 'Delivered' } },
  { orderNumber: 'SO-000019', fields: { DeliveryModeCode: '20', RequestedShippingDate: shippingDay('2027-02-01') } },
  { orderNumber: 'SO-000023', fields: { SalesOrderName: 'Fabrikam Denver (rush)' } },
];
const MODES = ['10', '20', '30', 'AIR', 'TRUCK'];

/** Someone in the office moved this order's date after the desk decided on it. */
const demoConflict = (shippingDay: ShippingDay) => ({ orderNumber: 'SO-000007', fields: { RequestedShippingDate: shippingDay('2027-01-29') } });

/**
 * The demo's desk: a few updates at once (one sure to conflict), then a new one every few
 * seconds, each with the base it was decided on — so a trainee watches updates go out and
 * conflicts arrive. Bounded: it stops by itself after a few hours' worth.
 */
class DemoDesk {
  private readonly agent: Agent;
  private readonly everyMs: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private n = 0;
  private static readonly MAX = 5000;

  constructor(agent: Agent, everyMs: number) {
    this.agent = agent;
    this.everyMs = everyMs;
  }

  /** Only into an empty demo outbox: coming back to the demo must not pile up copies. */
  async seed(): Promise<void> {
    const status = await this.agent.api().status();
    if (Object.values(status.counts).some((n) => n > 0)) return;
    // Values are checked against $metadata when queued, so the demo speaks the type the simulator
    // declares: F&O's dates are Edm.DateTimeOffset at noon UTC (2027-01-15T12:00:00Z), an Edm.Date is the day alone.
    const catalog = await this.agent.api().fieldCatalog();
    const dateOnly = catalog?.fields.find((f) => f.name === 'RequestedShippingDate')?.type === 'Edm.Date';
    const shippingDay: ShippingDay = (day) => (dateOnly ? day : `${day}T12:00:00Z`);
    for (const change of deskChanges(shippingDay)) await this.queue(change.orderNumber, change.fields);
    const conflict = demoConflict(shippingDay);
    this.agent.simulator?.writeAsOtherUser('USMF', conflict.orderNumber, conflict.fields);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (++this.n > DemoDesk.MAX) return this.stop();
      const order = `SO-${String(30 + ((this.n * 7) % 60)).padStart(6, '0')}`;
      // a refusal here would be the demo's own bug; the next tick tries another order
      this.queue(order, { DeliveryModeCode: MODES[this.n % MODES.length]! }).catch(() => {});
    }, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async queue(orderNumber: string, fields: Record<string, string>): Promise<void> {
    const current = this.agent.simulator?.order('USMF', orderNumber);
    const base = current ? Object.fromEntries(Object.keys(fields).map((f) => [f, current[f] ?? null])) : null;
    const r = await this.agent.invoke('enqueue', { company: 'USMF', orderNumber, fields, base, source: 'api' });
    // the demo's values must pass the same checks as a person's: say so loudly if they don't
    if (!r.ok) throw new Error(`the demo's own update of ${orderNumber} was refused: ${r.error.message}`);
  }
}
