import { request, type Dispatcher } from 'undici';
import { D365Error, networkError } from './errors.ts';
import { readLimited, redact } from './http-body.ts';

/** A token answer is a few kB; anything much larger is not one, and is not read whole. */
const MAX_TOKEN_ANSWER_BYTES = 256 * 1024;
const TOKEN_DEADLINE_MS = 60_000;

export interface ClientCredentials {
  /** e.g. https://login.microsoftonline.com; configurable for sovereign clouds and tests */
  authorityUrl: string;
  tenant: string;
  clientId: string;
  scope: string;
}

export interface TokenSource {
  token(): Promise<string>;
  /** forget the cached token after a 401 so the next call fetches a new one */
  invalidate(): void;
}

/** Refresh this long before expires_in runs out, so a token never dies mid-request. */
const EARLY_MS = 5 * 60_000;

/**
 * Microsoft Entra ID client-credentials tokens, cached in memory only. The secret is asked
 * for on each fetch (from the keychain) and never stored here or put in a message.
 */
export class EntraTokenSource implements TokenSource {
  private cached: { value: string; refreshAt: number } | null = null;
  private inflight: Promise<string> | null = null;
  private readonly creds: ClientCredentials;
  private readonly secret: () => Promise<string>;
  private readonly dispatcher: Dispatcher;
  private readonly now: () => number;

  constructor(creds: ClientCredentials, secret: () => Promise<string>, dispatcher: Dispatcher, now: () => number = Date.now) {
    this.creds = creds;
    this.secret = secret;
    this.dispatcher = dispatcher;
    this.now = now;
  }

  get tokenEndpoint(): string {
    return `${this.creds.authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.creds.tenant)}/oauth2/v2.0/token`;
  }

  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.value;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  invalidate(): void {
    this.cached = null;
  }

  private async fetchToken(): Promise<string> {
    const secret = await this.secret();
    try {
      return await this.fetchWith(secret);
    } catch (e) {
      // A sign-in server may echo what it was sent (error_description quoting the request):
      // whatever it said, the secret leaves here only as [redacted].
      if (e instanceof D365Error) throw new D365Error(e.code, redact(e.message, secret), { status: e.status });
      throw e;
    }
  }

  private async fetchWith(secret: string): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.creds.clientId,
      client_secret: secret,
      scope: this.creds.scope,
    });
    const what = `token request to ${this.tokenEndpoint}`;
    let status: number;
    let text: string;
    try {
      const res = await request(this.tokenEndpoint, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(TOKEN_DEADLINE_MS),
      });
      status = res.statusCode;
      text = await readLimited(res.body, MAX_TOKEN_ANSWER_BYTES, what);
    } catch (e) {
      throw networkError(e, what, TOKEN_DEADLINE_MS);
    }
    type TokenAnswer = { access_token?: unknown; expires_in?: unknown; error_description?: unknown };
    let json: TokenAnswer | null;
    try {
      json = JSON.parse(text) as TokenAnswer;
    } catch {
      json = null;
    }
    if (status >= 400 && status < 500) {
      // Entra's description is CRLF-separated lines (then trace ids): keep the first, without its CR.
      const first = typeof json?.error_description === 'string' ? json.error_description.split(/\r?\n/)[0]!.trim().replace(/\.+$/, '') : '';
      const description = first || `HTTP ${status}`;
      throw new D365Error('AUTH_FAILED', `Sign-in to Microsoft Entra ID was refused: ${description}. Check the tenant, client id and secret.`, { status });
    }
    if (status >= 500) throw new D365Error('OFFLINE', `${what}: the sign-in service answered ${status}; will try again`, { status });
    if (!json || typeof json.access_token !== 'string' || json.access_token === '') {
      throw new D365Error('BAD_RESPONSE', `${what}: the answer has no access_token`, { status });
    }
    const lifeMs = (typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in) || 3600) * 1000;
    const early = Math.min(EARLY_MS, lifeMs / 10);
    this.cached = { value: json.access_token, refreshAt: this.now() + lifeMs - early };
    return json.access_token;
  }
}
