import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../core/d365/client.ts';
import { D365Error } from '../../../core/d365/errors.ts';
import { EntraTokenSource, type ClientCredentials } from '../../../core/d365/token.ts';
import { Simulator } from '../../../core/simulator/simulator.ts';
import { answeringServer, json, type Answer } from './answering-server.ts';

const dispatcher = createDispatcher({ connectMs: 2000, headersMs: 2000, bodyMs: 2000 });
afterAll(() => dispatcher.close());
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function entra(answer: (n: number, body: URLSearchParams) => Answer) {
  const server = await answeringServer((r, n) => answer(n, new URLSearchParams(r.body)));
  closers.push(() => server.close());
  return server;
}

function source(authorityUrl: string, o: { secret?: string; now?: () => number; tenant?: string } = {}) {
  const creds: ClientCredentials = { authorityUrl, tenant: o.tenant ?? 'contoso', clientId: 'agent', scope: 'https://contoso.operations.dynamics.com/.default' };
  let asked = 0;
  const tokens = new EntraTokenSource(creds, async () => (asked++, o.secret ?? 'the-secret'), dispatcher, o.now);
  return { tokens, asked: () => asked };
}

async function failure(p: Promise<unknown>): Promise<D365Error> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(D365Error);
  return e as D365Error;
}

describe('EntraTokenSource', () => {
  it('asks for a client-credentials token with the secret, the client id and the scope, at the tenant\'s endpoint', async () => {
    const server = await entra(() => json(200, { access_token: 'tok-1', expires_in: 3600 }));
    const { tokens } = source(server.url, { tenant: 'contoso.onmicrosoft.com/../x' });
    expect(tokens.tokenEndpoint).toBe(`${server.url}/contoso.onmicrosoft.com%2F..%2Fx/oauth2/v2.0/token`);
    expect(await tokens.token()).toBe('tok-1');
    const [r] = server.received;
    expect(r!.method).toBe('POST');
    expect(r!.url).toBe('/contoso.onmicrosoft.com%2F..%2Fx/oauth2/v2.0/token');
    expect(r!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(r!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'agent',
      client_secret: 'the-secret',
      scope: 'https://contoso.operations.dynamics.com/.default',
    });
  });

  it('keeps the token until shortly before it expires, then fetches a new one (the secret asked for each fetch)', async () => {
    let t = Date.UTC(2026, 10, 22, 8);
    const server = await entra((n) => json(200, { access_token: `tok-${n}`, expires_in: '3600' }));
    const { tokens, asked } = source(server.url, { now: () => t });
    expect(await tokens.token()).toBe('tok-1');
    t += 54 * 60_000; // 5 minutes early: 55 min in, not yet
    expect(await tokens.token()).toBe('tok-1');
    t += 60_000 + 1;
    expect(await tokens.token()).toBe('tok-2');
    expect(server.received).toHaveLength(2);
    expect(asked()).toBe(2);
  });

  it('a short-lived token is refreshed a tenth of its life early', async () => {
    let t = 0;
    const server = await entra((n) => json(200, { access_token: `tok-${n}`, expires_in: 100 }));
    const { tokens } = source(server.url, { now: () => t });
    await tokens.token();
    t = 89_999;
    expect(await tokens.token()).toBe('tok-1');
    t = 90_000;
    expect(await tokens.token()).toBe('tok-2');
  });

  it('callers asking at once share one request; invalidate() (after a 401) fetches a new token', async () => {
    const server = await entra((n) => json(200, { access_token: `tok-${n}`, expires_in: 3600 }));
    const { tokens } = source(server.url);
    expect(await Promise.all([tokens.token(), tokens.token(), tokens.token()])).toEqual(['tok-1', 'tok-1', 'tok-1']);
    tokens.invalidate();
    expect(await tokens.token()).toBe('tok-2');
    expect(server.received).toHaveLength(2);
  });

  it('a refused sign-in is AUTH_FAILED with Entra\'s first line (no CR, no trace ids), never the secret', async () => {
    const sim = await Simulator.start({ orders: 0 });
    closers.push(() => sim.stop());
    const { tokens } = source(sim.authorityUrl, { tenant: 'sim-tenant', secret: 'wrong-secret' });
    const e = await failure(tokens.token());
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.status).toBe(401);
    expect(e.message).toMatch(/^Sign-in to Microsoft Entra ID was refused: AADSTS700016: Application with identifier 'agent' was not found in the directory 'sim-tenant'\. Check the tenant, client id and secret\.$/);
    expect(e.message).not.toMatch(/\r|Trace ID|wrong-secret/);
  });

  it('a sign-in server echoing what it was sent has the secret replaced, in every encoding', async () => {
    const secret = 'p@ss word+1/2';
    const server = await entra((_n, body) => json(400, { error: 'invalid_request', error_description: `bad request: ${body.toString()} (${secret})` }));
    const e = await failure(source(server.url, { secret }).tokens.token());
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toContain('[redacted]');
    for (const form of [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]) expect(e.message).not.toContain(form);
  });

  it('a 4xx without a description names the status; a 5xx is the sign-in service being away (OFFLINE, retried)', async () => {
    const server = await entra((n) => (n === 1 ? { status: 403, body: '' } : { status: 503, body: 'down' }));
    const { tokens } = source(server.url);
    expect((await failure(tokens.token())).message).toBe('Sign-in to Microsoft Entra ID was refused: HTTP 403. Check the tenant, client id and secret.');
    const down = await failure(tokens.token());
    expect(down).toMatchObject({ code: 'OFFLINE', status: 503 });
    expect(down.message).toMatch(/the sign-in service answered 503; will try again$/);
  });

  it('an answer without an access token is BAD_RESPONSE, and nothing is cached', async () => {
    const server = await entra((n) => (n === 1 ? json(200, { token_type: 'Bearer' }) : { status: 200, body: '<html>captive portal</html>' }));
    const { tokens } = source(server.url);
    expect((await failure(tokens.token())).code).toBe('BAD_RESPONSE');
    expect((await failure(tokens.token())).message).toMatch(/the answer has no access_token$/);
  });

  it('an answer far too large for a token is not read whole', async () => {
    const server = await entra(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: `{"access_token":"${'x'.repeat(300 * 1024)}"}` }));
    const e = await failure(source(server.url).tokens.token());
    expect(e.code).toBe('BAD_RESPONSE');
    expect(e.message).toMatch(/larger than 262144 bytes/);
  });

  it('an unreachable sign-in server is OFFLINE, naming the endpoint', async () => {
    const server = await entra(() => json(200, {}));
    const url = server.url;
    await server.close();
    const e = await failure(source(url).tokens.token());
    expect(e.code).toBe('OFFLINE');
    expect(e.message).toBe(`token request to ${url}/contoso/oauth2/v2.0/token: D365 is not reachable — connection refused`);
  });
});
