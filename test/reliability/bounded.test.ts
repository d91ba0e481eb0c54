/**
 * Issue 10 §5 and §6: everything the agent reads is bounded in size and in time, and the secret
 * goes only where it was given.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher, D365Client } from '../../core/d365/client.ts';
import { isD365Error } from '../../core/d365/errors.ts';
import { PROFILES } from '../../core/d365/profile.ts';
import { EntraTokenSource } from '../../core/d365/token.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function server(handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('bounded in size', () => {
  it('a token endpoint answering gigabytes is refused after a few hundred kB, not read whole', async () => {
    let sent = 0;
    let gaveUp = false;
    const url = await server((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      // bounded: at most 3 GB, and it stops as soon as the client hangs up
      const pump = () => {
        while (sent < 3 * 1024 ** 3) {
          if (res.destroyed) return;
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (gaveUp = true));
      res.write('{"access_token":"');
      pump();
    });
    const dispatcher = createDispatcher();
    cleanup.push(() => dispatcher.close());
    const tokens = new EntraTokenSource({ authorityUrl: url, tenant: 't', clientId: 'c', scope: 's' }, async () => 'a secret', dispatcher);
    const rss = process.memoryUsage().rss;
    const e = await failure(tokens.token());
    expect(isD365Error(e) && e.code).toBe('BAD_RESPONSE');
    expect(e.message).toMatch(/the answer is larger than 262144 bytes/);
    await new Promise((r) => setTimeout(r, 200));
    expect(gaveUp).toBe(true);
    expect(sent).toBeLessThan(200 * 1024 * 1024);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('bounded in time', () => {
  it('a server trickling one byte at a time cannot hold a request past its deadline', async () => {
    const url = await server((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let n = 0;
      const t = setInterval(() => {
        if (res.destroyed || n++ > 100) {
          clearInterval(t);
          return res.end();
        }
        res.write(' ');
      }, 100);
      res.on('close', () => clearInterval(t));
    });
    const dispatcher = createDispatcher();
    cleanup.push(() => dispatcher.close());
    const client = new D365Client({
      serviceRoot: `${url}/data`,
      profile: PROFILES.fo,
      tokens: { token: async () => 'token', invalidate: () => {} },
      dispatcher,
      deadlineMs: 1000,
    });
    const started = Date.now();
    const e = await failure(client.getOrder({ company: 'USMF', orderNumber: 'SO-1' }, ['DeliveryModeCode']));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isD365Error(e) && e.code).toBe('OFFLINE');
    expect(e.message).toMatch(/no complete answer within 1 s/);
  });
});

describe('the secret goes only where it was given', () => {
  it('a sign-in server echoing the secret in error_description is redacted in every message', async () => {
    const secret = 'Pa55~word.with+odd/chars';
    const url = await server((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided: ${body} / ${secret}` }));
      });
    });
    const dispatcher = createDispatcher();
    cleanup.push(() => dispatcher.close());
    const tokens = new EntraTokenSource({ authorityUrl: url, tenant: 't', clientId: 'c', scope: 's' }, async () => secret, dispatcher);
    const e = await failure(tokens.token());
    expect(isD365Error(e) && e.code).toBe('AUTH_FAILED');
    expect(e.message).toMatch(/Invalid client secret provided/);
    for (const form of [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]) expect(e.message).not.toContain(form);
    expect(e.message).toContain('[redacted]');
    expect(JSON.stringify(e)).not.toContain(secret);
  });
});
