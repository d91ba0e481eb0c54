import { describe, expect, it } from 'vitest';
import type { SimRequest } from '../../../core/simulator/http-message.ts';
import { TokenIssuer } from '../../../core/simulator/token-issuer.ts';

function issuer(now = () => 1_000_000) {
  return new TokenIssuer({ tenant: 'Contoso', clientId: 'agent', clientSecret: 's3cret', lifetimeSeconds: 60, now });
}

const form = (fields: Record<string, string>, headers: Record<string, string> = {}): SimRequest => ({ method: 'POST', target: '/x', headers, body: new URLSearchParams(fields).toString() });
const GOOD = { grant_type: 'client_credentials', client_id: 'agent', client_secret: 's3cret', scope: 'https://x/.default' };
const errorOf = (r: { body: string }) => JSON.parse(r.body) as { error: string; error_description: string; error_codes: number[] };

describe('TokenIssuer: the Entra ID client-credentials endpoint', () => {
  it('issues an unguessable bearer token for the right credentials (tenant without case), valid until its lifetime ends', () => {
    let t = 1_000_000;
    const i = issuer(() => t);
    const r = i.issue('contoso', form(GOOD));
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { access_token: string; expires_in: number; token_type: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 60 });
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.parse(i.issue('contoso', form(GOOD)).body).access_token).not.toBe(body.access_token);
    expect(i.check(`Bearer ${body.access_token}`)).toEqual({ ok: true });
    t += 59_999;
    expect(i.check(`bearer ${body.access_token}`)).toEqual({ ok: true });
    t += 1;
    expect(i.check(`Bearer ${body.access_token}`)).toEqual({ ok: false, reason: 'expired' });
  });

  it('takes the credentials from HTTP Basic too', () => {
    const basic = `Basic ${Buffer.from('agent:s3cret').toString('base64')}`;
    expect(issuer().issue('Contoso', form({ grant_type: 'client_credentials', scope: 's' }, { authorization: basic })).status).toBe(200);
  });

  it('refuses each wrong part with the AADSTS code Entra uses', () => {
    const i = issuer();
    const cases: [string, SimRequest, number, string, number][] = [
      ['Contoso', { ...form(GOOD), method: 'GET' }, 405, 'invalid_request', 900561],
      ['Contoso', form({ ...GOOD, grant_type: '' }), 400, 'invalid_request', 900144],
      ['Contoso', form({ ...GOOD, grant_type: 'password' }), 400, 'unsupported_grant_type', 70003],
      ['Contoso', form({ ...GOOD, scope: '' }), 400, 'invalid_request', 900144],
      ['Fabrikam', form(GOOD), 401, 'invalid_client', 90002],
      ['Contoso', form({ ...GOOD, client_id: 'other' }), 401, 'invalid_client', 700016],
      ['Contoso', form({ ...GOOD, client_secret: 'wrong' }), 401, 'invalid_client', 7000215],
    ];
    for (const [tenant, request, status, error, code] of cases) {
      const r = i.issue(tenant, request);
      expect(r.status, `${error} ${code}`).toBe(status);
      const e = errorOf(r);
      expect(e).toMatchObject({ error, error_codes: [code] });
      expect(e.error_description).toMatch(new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: `));
      expect(e.error_description).not.toContain('wrong');
    }
  });

  it('tells a missing token from an unknown one, and revokes every token at once', () => {
    const i = issuer();
    const token = JSON.parse(i.issue('contoso', form(GOOD)).body).access_token as string;
    expect(i.check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(i.check('Basic abc')).toEqual({ ok: false, reason: 'missing' });
    expect(i.check('Bearer made-up')).toEqual({ ok: false, reason: 'invalid' });
    i.revokeAll();
    expect(i.check(`Bearer ${token}`)).toEqual({ ok: false, reason: 'invalid' });
  });
});
