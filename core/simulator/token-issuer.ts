import { randomBytes } from 'node:crypto';
import { header, type SimRequest, type SimResponse } from './http-message.ts';

export interface TokenIssuerOptions {
  tenant: string;
  clientId: string;
  clientSecret: string;
  lifetimeSeconds: number;
  now: () => number;
}

export type TokenCheck = { ok: true } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

function entraJson(status: number, value: unknown): SimResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store, no-cache' },
    body: JSON.stringify(value),
  };
}

function entraError(status: number, error: string, code: number, description: string, at: number): SimResponse {
  const now = new Date(at).toISOString();
  return entraJson(status, {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: ${now}`,
    error_codes: [code],
    timestamp: `${now.slice(0, 10)} ${now.slice(11, 19)}Z`,
  });
}

/** The Microsoft Entra ID client-credentials endpoint, and the check of the tokens it hands out. */
export class TokenIssuer {
  readonly #options: TokenIssuerOptions;
  /** token → expiry (ms since epoch); expired ones are kept to say "expired" rather than "invalid" */
  #issued = new Map<string, number>();

  constructor(options: TokenIssuerOptions) {
    this.#options = options;
  }

  #error(status: number, error: string, code: number, description: string): SimResponse {
    return entraError(status, error, code, description, this.#options.now());
  }

  issue(tenant: string, request: SimRequest): SimResponse {
    if (request.method !== 'POST') return this.#error(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    const form = new URLSearchParams(request.body);
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = /^Basic\s+(.+)$/i.exec(header(request.headers, 'authorization') ?? '');
    if (basic) {
      const [id, ...secret] = Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':');
      clientId ??= decodeURIComponent(id ?? '');
      clientSecret ??= decodeURIComponent(secret.join(':'));
    }
    const grant = form.get('grant_type');
    if (!grant) return this.#error(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (grant !== 'client_credentials') {
      return this.#error(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
    }
    if (!form.get('scope')) return this.#error(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    if (tenant.toLowerCase() !== this.#options.tenant.toLowerCase()) {
      return this.#error(401, 'invalid_client', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    if (clientId !== this.#options.clientId) {
      return this.#error(
        401,
        'invalid_client',
        700016,
        `Application with identifier '${clientId ?? ''}' was not found in the directory '${tenant}'.`,
      );
    }
    if (clientSecret !== this.#options.clientSecret) {
      return this.#error(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    // tokens are credentials, not behaviour: they need not be reproducible and must not be guessable
    const token = randomBytes(32).toString('base64url');
    const lifetime = this.#options.lifetimeSeconds;
    this.#issued.set(token, this.#options.now() + lifetime * 1000);
    return entraJson(200, {
      token_type: 'Bearer',
      expires_in: Math.round(lifetime),
      ext_expires_in: Math.round(lifetime),
      access_token: token,
    });
  }

  check(authorization: string | undefined): TokenCheck {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!bearer) return { ok: false, reason: 'missing' };
    const expiry = this.#issued.get(bearer[1] as string);
    if (expiry === undefined) return { ok: false, reason: 'invalid' };
    if (this.#options.now() >= expiry) return { ok: false, reason: 'expired' };
    return { ok: true };
  }

  revokeAll(): void {
    this.#issued = new Map();
  }
}
