/**
 * CAP's custom authentication (cds.requires.auth.impl): a data request needs a bearer token
 * that the fixture's token endpoint issued and that has not expired, like F&O behind Entra ID.
 * CAP loads this file itself; the token endpoint in server.ts fills `issuedTokens`.
 */

interface CdsUserClass {
  new (props: { id: string }): unknown;
}

export interface IssuedToken {
  clientId: string;
  expiresAt: number;
}

/** access token → who it was issued to; shared with the token endpoint (same module instance) */
export const issuedTokens = new Map<string, IssuedToken>();

let UserClass: CdsUserClass | null = null;

/** server.ts hands over cds.User before CAP loads this middleware. */
export function useUserClass(user: CdsUserClass): void {
  UserClass = user;
}

interface Req {
  headers: Record<string, string | string[] | undefined>;
  user?: unknown;
}
interface Res {
  status(code: number): Res;
  set(name: string, value: string): Res;
  json(body: unknown): void;
}

export default function bearerAuth(req: Req, res: Res, next: () => void): void {
  const header = req.headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  const token = /^Bearer\s+(\S+)$/i.exec(value ?? '')?.[1];
  const issued = token === undefined ? undefined : issuedTokens.get(token);
  if (!issued || issued.expiresAt <= Date.now()) {
    if (token !== undefined && issued) issuedTokens.delete(token);
    const why = token === undefined ? 'no bearer token' : issued ? 'the token has expired' : 'unknown token';
    res
      .status(401)
      .set('WWW-Authenticate', `Bearer error="invalid_token", error_description="${why}"`)
      .json({ error: { code: '401', message: `Unauthorized: ${why}` } });
    return;
  }
  if (!UserClass) throw new Error('bearer-auth: useUserClass() was not called before the first request');
  req.user = new UserClass({ id: issued.clientId });
  next();
}
