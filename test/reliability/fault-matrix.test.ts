import type { LookupAddress } from 'node:dns';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PauseReason, StampedEvent } from '../../core/events.ts';
import type { Update } from '../../core/outbox/types.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { FaultProxy, makeCerts, type TestCerts } from './fault-proxy.ts';
import { writeFigures } from './figures.ts';
import { faultRig, until, type FaultRigOptions } from './rig.ts';

type R = Awaited<ReturnType<typeof faultRig>>;

interface Case {
  name: string;
  options?: () => Promise<FaultRigOptions> | FaultRigOptions;
  /** script the fault (one-shot faults end by themselves once consumed) */
  arrange?: (r: R) => void;
  reason: PauseReason;
  message: RegExp;
  /** the code the update's lastError carries while it waits */
  code: string;
  /** ends a lasting fault, as when the network or the server is fixed */
  end?: (r: R) => Promise<void> | void;
  /** the first order's PATCH landed before the fault hit: the recheck must find it applied */
  appliedBeforeFault?: boolean;
  /** a pause that waits for a person (credentials) */
  waitsForPerson?: boolean;
  check?: (r: R, pause: Paused) => void;
}

interface Paused {
  event: StampedEvent & { type: 'paused' };
  /** the update as a person would see it at that moment */
  update: Update;
  at: number;
}

const cleanups: (() => Promise<void>)[] = [];
let r: R | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
  while (cleanups.length) await cleanups.pop()!();
});

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});

/** Names resolved through the fault rig's dispatcher: nothing is ever asked of a real DNS server. */
const lookups: string[] = [];
let dnsWorks = false;
function fakeLookup(hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void): void {
  lookups.push(hostname);
  if (!dnsWorks || hostname !== 'no-such-host.invalid') {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    return void process.nextTick(() => callback(err));
  }
  const address: LookupAddress = { address: '127.0.0.1', family: 4 };
  process.nextTick(() => (options.all ? callback(null, [address]) : callback(null, address.address, address.family)));
}

const order = (i: number) => `SO-${String(i).padStart(6, '0')}`;
const clientWrites = (sim: Simulator, orderNumber: string) => sim.writeLog.filter((w) => w.by === 'client' && w.orderNumber === orderNumber);

const CASES: Case[] = [
  {
    name: 'throttling with a long Retry-After (3 s): no request before it, the whole drain waits',
    arrange: (r) => r.sim.script({ method: 'GET', kind: 'throttle', retryAfter: 3 }),
    reason: 'throttled',
    message: /throttling requests \(429\); asked to wait 3 s/,
    code: 'THROTTLED',
    check: (r, p) => {
      const after = r.sim.requestLog.filter((e) => e.at > p.at && e.path.startsWith('/data'));
      expect(after.length).toBeGreaterThan(0);
      expect(Math.min(...after.map((e) => e.at)) - p.at).toBeGreaterThanOrEqual(2950);
    },
  },
  {
    name: 'a burst of 503 Service Unavailable',
    arrange: (r) => {
      for (let i = 0; i < 4; i++) r.sim.script({ method: 'ANY', pathIncludes: '/data/', kind: 'throttle', status: 503, retryAfter: 0 });
    },
    reason: 'throttled',
    message: /throttling requests \(503\)/,
    code: 'THROTTLED',
    check: (r) => expect(r.sim.requestLog.filter((e) => e.status === 503)).toHaveLength(4),
  },
  {
    name: 'connection reset in the middle of a GET answer',
    arrange: (r) => r.sim.script({ method: 'GET', kind: 'reset' }),
    reason: 'offline',
    message: /not reachable — connection/,
    code: 'OFFLINE',
  },
  {
    name: 'connection reset in the middle of a PATCH answer that D365 applied',
    arrange: (r) => r.sim.script({ method: 'PATCH', kind: 'reset' }),
    reason: 'offline',
    message: /not reachable — connection/,
    code: 'OFFLINE',
    appliedBeforeFault: true,
  },
  {
    name: 'no answer at all to a PATCH that D365 applied (headers timeout)',
    arrange: (r) => r.sim.script({ method: 'PATCH', kind: 'timeout', applied: true }),
    reason: 'offline',
    message: /no answer in time/,
    code: 'OFFLINE',
    appliedBeforeFault: true,
  },
  {
    name: 'a body that stalls past the body timeout',
    options: async () => {
      const simulator = await startSim();
      const proxy = await FaultProxy.start(simulator.url);
      cleanups.push(() => proxy.stop());
      proxy.stallBodies = 1;
      return { simulator, serviceRoot: () => `${proxy.url}/data`, dispatcher: new Agent({ connect: { timeout: 1000 }, headersTimeout: 1000, bodyTimeout: 400 }) };
    },
    reason: 'offline',
    message: /answer stalled/,
    code: 'OFFLINE',
  },
  {
    name: 'DNS failure: fails fast, never leaves loopback, resumes when the name resolves again',
    options: () => {
      dnsWorks = false;
      lookups.length = 0;
      return {
        serviceRoot: (sim) => `http://no-such-host.invalid:${sim.port}/data`,
        authorityUrl: (sim) => `http://no-such-host.invalid:${sim.port}`,
        dispatcher: new Agent({ connect: { timeout: 1000, lookup: fakeLookup as never }, headersTimeout: 1000, bodyTimeout: 1000 }),
      };
    },
    reason: 'offline',
    message: /host name not found \(DNS\)/,
    code: 'OFFLINE',
    end: () => {
      dnsWorks = true;
    },
    check: (r, p) => {
      expect(p.at - r.seen[0]!.at).toBeLessThan(1000);
      expect(new Set(lookups)).toEqual(new Set(['no-such-host.invalid']));
    },
  },
  {
    name: 'TLS: a self-signed certificate is refused; the drain resumes once a trusted one is installed',
    options: async () => {
      const simulator = await startSim();
      const proxy = await FaultProxy.start(simulator.url, certs.rogue);
      cleanups.push(() => proxy.stop());
      tlsProxy = proxy;
      return {
        simulator,
        serviceRoot: () => `${proxy.url}/data`,
        dispatcher: new Agent({ connect: { timeout: 1000, ca: certs.ca }, headersTimeout: 1000, bodyTimeout: 1000 }),
      };
    },
    reason: 'offline',
    message: /TLS certificate problem/,
    code: 'OFFLINE',
    end: () => tlsProxy!.setCertificate(certs.good),
  },
  {
    name: 'an HTML error page from a gateway (502)',
    arrange: (r) => r.sim.script({ method: 'GET', kind: 'html', status: 502 }),
    reason: 'server',
    message: /D365 failed \(502: HTML page "502 - Web server received an invalid response/,
    code: 'SERVER',
  },
  {
    name: 'an HTML page with status 200 (a proxy sign-in page)',
    arrange: (r) =>
      r.sim.script({ method: 'GET', kind: 'status', status: 200, contentType: 'text/html', body: '<html><head><title>Sign in to your proxy</title></head></html>' }),
    reason: 'server',
    message: /answered 200 with an HTML page \("Sign in to your proxy"\) instead of JSON/,
    code: 'BAD_RESPONSE',
  },
  {
    name: 'truncated JSON on a GET',
    arrange: (r) => r.sim.script({ method: 'GET', kind: 'garbage' }),
    reason: 'server',
    message: /not valid JSON/,
    code: 'BAD_RESPONSE',
  },
  {
    name: 'truncated JSON answering a PATCH that D365 applied',
    arrange: (r) => r.sim.script({ method: 'PATCH', kind: 'garbage' }),
    reason: 'server',
    message: /not valid JSON/,
    code: 'BAD_RESPONSE',
    appliedBeforeFault: true,
  },
  {
    name: 'a GET answer without an ETag: no PATCH is sent without one',
    arrange: (r) => r.sim.script({ method: 'GET', kind: 'missing-etag' }),
    reason: 'server',
    message: /carries no ETag.*safe update is impossible/,
    code: 'BAD_RESPONSE',
    check: (r, p) => expect(r.sim.requestLog.filter((e) => e.method === 'PATCH' && e.at <= p.at)).toHaveLength(0),
  },
  {
    name: 'the token endpoint fails with 500',
    arrange: (r) => r.sim.script({ method: 'POST', pathIncludes: '/oauth2/', kind: 'status', status: 500, body: '{"error":"temporarily_unavailable"}' }),
    reason: 'offline',
    message: /sign-in service answered 500; will try again/,
    code: 'OFFLINE',
  },
  {
    name: 'the token endpoint refuses the client (invalid_client): waits for a person',
    options: () => ({ secret: 'a-wrong-secret' }),
    reason: 'credentials',
    message: /Sign-in to Microsoft Entra ID was refused: AADSTS7000215: Invalid client secret provided.*Check the tenant, client id and secret/,
    code: 'AUTH_FAILED',
    waitsForPerson: true,
    check: (_r, p) => {
      expect(p.event.message).not.toContain('a-wrong-secret');
      // one readable line: Entra's CRLF and trace ids stay out of what a person sees
      expect(p.event.message).not.toMatch(/[\r\n]|Trace ID|\.\./);
    },
  },
  {
    name: 'D365 itself unreachable (connection refused), back later',
    arrange: () => {},
    options: async () => ({ sim: { orders: 20 } }),
    reason: 'offline',
    message: /connection refused/,
    code: 'OFFLINE',
    end: (r) => r.sim.setOffline(false),
  },
];

let tlsProxy: FaultProxy | null = null;
// A proxy needs the simulator's address before the rig exists.
const startSim = () => Simulator.start({ orders: 20 });

const tried: string[] = [];
afterAll(() => writeFigures('fault-matrix', { faults: tried.length, names: tried }));

describe('fault matrix: nothing lost, the right message, resumes by itself', () => {
  for (const c of CASES) {
    it(c.name, { timeout: 20_000 }, async () => {
      const options = (await c.options?.()) ?? {};
      r = await faultRig(options);
      const rig = r;
      if (c.name.startsWith('D365 itself unreachable')) await rig.sim.setOffline(true);
      const ids = [rig.enqueue(order(1), { DeliveryModeCode: 'F1' }), rig.enqueue(order(2), { DeliveryModeCode: 'F2' })];
      let pause: Paused | null = null;
      rig.events.subscribe((e) => {
        if (e.type === 'paused' && !pause) pause = { event: e, update: rig.outbox.get(ids[0]!)!, at: Date.now() };
      });
      c.arrange?.(rig);
      rig.events.emit({ type: 'resumed' }); // a marker for "drain started" (seen[0].at)
      rig.drainer.start();
      await until('the paused event', () => pause !== null, 8000);
      const p = pause as unknown as Paused;
      expect(p.event.reason).toBe(c.reason);
      expect(p.event.message).toMatch(c.message);
      // what a person sees on the update while it waits: still queued, with the reason
      expect(p.update.state).toBe('pending');
      expect(p.update.lastError?.code).toBe(c.code);
      expect(p.update.lastError?.message).toMatch(c.message);
      const counts = rig.outbox.counts();
      expect(counts.pending + counts.sending).toBe(2);

      if (c.waitsForPerson) {
        const before = rig.sim.requestLog.length;
        await new Promise((res) => setTimeout(res, 1200));
        expect(rig.sim.requestLog.length, 'nothing is retried until a person acts').toBe(before);
        expect(rig.outbox.counts().pending).toBe(2);
        expect(rig.drainer.status().paused?.reason).toBe('credentials');
        // a person enters the right secret
        rig.drainer.setClient(rig.newClient('sim-secret'));
      }
      await c.end?.(rig);
      await until('both updates done', () => rig.outbox.counts().done === 2, 12_000);
      expect(rig.seen.some((e) => e.type === 'resumed' && e.seq > p.event.seq)).toBe(true);
      for (const [i, id] of ids.entries()) {
        const u = rig.outbox.get(id)!;
        expect(u.lastError).toBeNull();
        expect(rig.sim.order('USMF', order(i + 1))!.DeliveryModeCode).toBe(`F${i + 1}`);
        // applied exactly once, even when the answer to the PATCH was lost
        expect(clientWrites(rig.sim, order(i + 1))).toHaveLength(1);
      }
      if (c.appliedBeforeFault) {
        expect(rig.outbox.history(ids[0]!).find((h) => h.kind === 'done')!.detail).toMatchObject({ alreadyApplied: true });
      }
      c.check?.(rig, p);
      tried.push(c.name);
    });
  }

  it('a token that expires mid-drain (and tokens revoked mid-drain) are renewed without a pause', { timeout: 20_000 }, async () => {
    r = await faultRig({ sim: { orders: 30, tokenLifetimeSeconds: 0.6, latencyMs: 25 } });
    const rig = r;
    for (let i = 1; i <= 24; i++) rig.enqueue(order(i), { DeliveryModeCode: `E${i}` });
    const revoke = setTimeout(() => rig.sim.revokeTokens(), 400);
    const summary = await rig.drainer.drainUntilIdle();
    clearTimeout(revoke);
    expect(summary).toMatchObject({ done: 24, failed: 0, stoppedBecause: null });
    expect(rig.seen.filter((e) => e.type === 'paused')).toEqual([]);
    const unauthorized = rig.sim.requestLog.filter((e) => e.status === 401);
    expect(unauthorized.length).toBeGreaterThan(0);
    expect(rig.sim.requestLog.filter((e) => e.path.includes('/oauth2/')).length).toBeGreaterThan(2);
    for (let i = 1; i <= 24; i++) expect(rig.sim.order('USMF', order(i))!.DeliveryModeCode).toBe(`E${i}`);
    tried.push('token expires mid-drain', 'tokens revoked mid-drain');
  });
});
