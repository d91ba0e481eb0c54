/**
 * A service-protection front for the simulator, throttling the way D365 does when pushed:
 * a sliding window of accepted data requests; over it, 429 with a Retry-After; and a client
 * that keeps pushing gets longer waits. Token requests pass uncounted (another service).
 *
 * - At most `limit` accepted requests in any `windowMs` (D365's 6,000 per 5 minutes per user,
 *   scaled down in time).
 * - Over it: blocked until the window has room again, plus one second for every 429 this
 *   client got in the last minute, at most `maxWaitS`; Retry-After says exactly that.
 * - While blocked: 429 with the seconds left. Each one counts as pushing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ThrottleRules {
  windowMs: number;
  limit: number;
  /** extra wait per 429 in the last minute */
  pushPenaltyMs: number;
  maxWaitS: number;
}

export const D365_LIKE: ThrottleRules = { windowMs: 5_000, limit: 100, pushPenaltyMs: 1_000, maxWaitS: 60 };

export class ThrottlingProxy {
  readonly url: string;
  /** data requests seen, accepted or not */
  requests = 0;
  throttled = 0;
  readonly #server: http.Server;
  readonly #agent: http.Agent;
  readonly #rules: ThrottleRules;
  readonly #now: () => number;
  readonly #accepted: number[] = [];
  readonly #refusals: number[] = [];
  #blockedUntil = 0;

  private constructor(server: http.Server, agent: http.Agent, rules: ThrottleRules, now: () => number) {
    this.#server = server;
    this.#agent = agent;
    this.#rules = rules;
    this.#now = now;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(target: string, rules: ThrottleRules = D365_LIKE, now: () => number = Date.now): Promise<ThrottlingProxy> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new ThrottlingProxy(server, agent, rules, now);
    const upstream = new URL(target);
    server.on('request', (req, res) => {
      const waitS = req.url?.startsWith('/data') ? proxy.#admit(proxy.#now()) : 0;
      if (waitS > 0) {
        const body = JSON.stringify({ error: { code: 'TooManyRequests', message: `Rate limit is exceeded. Try again in ${waitS} seconds.` } });
        res.writeHead(429, { 'Retry-After': String(waitS), 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) });
        res.end(body);
        req.resume();
        return;
      }
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    return proxy;
  }

  /** 0 to let the request through, else the whole seconds to wait (the Retry-After). */
  #admit(now: number): number {
    const r = this.#rules;
    this.requests++;
    while (this.#accepted.length > 0 && this.#accepted[0]! <= now - r.windowMs) this.#accepted.shift();
    while (this.#refusals.length > 0 && this.#refusals[0]! <= now - 60_000) this.#refusals.shift();
    let waitMs = 0;
    if (now < this.#blockedUntil) {
      waitMs = this.#blockedUntil - now;
    } else if (this.#accepted.length >= r.limit) {
      const room = this.#accepted[this.#accepted.length - r.limit]! + r.windowMs - now;
      waitMs = Math.min(r.maxWaitS * 1000, room + this.#refusals.length * r.pushPenaltyMs);
    }
    if (waitMs <= 0) {
      this.#accepted.push(now);
      return 0;
    }
    const waitS = Math.max(1, Math.ceil(waitMs / 1000));
    // Blocked for exactly what Retry-After says, so a client that waits it out gets through.
    if (now >= this.#blockedUntil) this.#blockedUntil = now + waitS * 1000;
    this.#refusals.push(now);
    this.throttled++;
    return Math.max(1, Math.ceil((this.#blockedUntil - now) / 1000));
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#agent.destroy();
  }
}
