import crypto from 'node:crypto';
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import { contentSecurityPolicy } from '../csp.ts';

/** The page may only load our own scripts and talk to its own origin. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy('server');

/** Sent on every response, API or static. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function newAccessToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Constant-time, so the token cannot be guessed byte by byte from response times. */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  // Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length.
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer …`, or from `?token=` (EventSource cannot send headers). */
export function presentedToken(req: IncomingMessage, url: URL, allowQuery: boolean): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
    return m ? m[1]! : null;
  }
  return allowQuery ? url.searchParams.get('token') : null;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/**
 * The Host header values we answer to. A page on evil.example that rebinds its DNS name to
 * 127.0.0.1 still sends `Host: evil.example`, so only names we chose are accepted; IP literals
 * cannot be rebound, which is why a wildcard bind accepts those.
 */
export function hostAllowed(hostHeader: string | undefined, bindHost: string, port: number): boolean {
  if (!hostHeader) return false;
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (!WILDCARD_HOSTS.has(bindHost)) allowed.add(`${net.isIPv6(bindHost) ? `[${bindHost}]` : bindHost}:${port}`.toLowerCase());
  const host = hostHeader.toLowerCase();
  if (allowed.has(host)) return true;
  if (!WILDCARD_HOSTS.has(bindHost)) return false;
  const m = /^(\[[0-9a-f:.]+\]|[0-9.]+):(\d+)$/.exec(host);
  if (!m || Number(m[2]) !== port) return false;
  return net.isIP(m[1]!.replace(/^\[|\]$/g, '')) !== 0;
}

/** An Origin header, when the browser sends one, must be the page's own origin. */
export function originAllowed(originHeader: string | undefined, hostHeader: string | undefined): boolean {
  if (originHeader === undefined) return true;
  if (!hostHeader) return false;
  return originHeader.toLowerCase() === `http://${hostHeader.toLowerCase()}`;
}

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}
