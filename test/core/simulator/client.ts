import type { Simulator } from '../../../core/simulator/simulator.ts';

/** A minimal D365 client for the tests: real HTTP through the global fetch. */
export interface TestClient {
  token: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  patch(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body: string, headers?: Record<string, string>): Promise<Response>;
}

export function literal(value: string): string {
  return encodeURIComponent(`'${value.replace(/'/g, "''")}'`);
}

export function foOrderPath(company: string, orderNumber: string): string {
  return `/data/SalesOrderHeadersV2(dataAreaId=${literal(company)},SalesOrderNumber=${literal(orderNumber)})`;
}

export async function requestToken(sim: Simulator, overrides: Record<string, string> = {}, tenant = 'sim-tenant'): Promise<Response> {
  return fetch(`${sim.authorityUrl}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'outbox-agent',
      client_secret: 'sim-secret',
      scope: `${sim.url}/.default`,
      ...overrides,
    }),
    signal: AbortSignal.timeout(5000),
  });
}

export async function connect(sim: Simulator): Promise<TestClient> {
  const response = await requestToken(sim);
  const token = ((await response.json()) as { access_token: string }).access_token;
  const auth = { authorization: `Bearer ${token}` };
  return {
    token,
    get: (path, headers = {}) => fetch(`${sim.url}${path}`, { headers: { ...auth, ...headers }, signal: AbortSignal.timeout(5000) }),
    patch: (path, body, headers = {}) =>
      fetch(`${sim.url}${path}`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      }),
    post: (path, body, headers = {}) =>
      fetch(`${sim.url}${path}`, { method: 'POST', headers: { ...auth, ...headers }, body, signal: AbortSignal.timeout(5000) }),
  };
}

export interface ODataErrorBody {
  error: { code: string; message: string; innererror?: { message?: string; type?: string } };
}
