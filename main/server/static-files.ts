import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Resolves a URL path to a file inside `root`, or null. Decoding happens once, before the
 * containment check, so `%2e%2e%2f` is caught like `../`; NUL bytes and backslashes are refused.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((seg) => seg === '..')) return null;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = path.resolve(root);
  const file = path.resolve(base, rel);
  if (file !== base && !file.startsWith(base + path.sep)) return null;
  return file;
}

export async function serveStatic(root: string, urlPath: string, method: string, res: ServerResponse, headers: Readonly<Record<string, string>>): Promise<void> {
  const file = resolveStaticPath(root, urlPath);
  const fail = (status: number, text: string): void => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text);
  };
  if (!file) return fail(400, 'Bad path');
  let body: Buffer;
  try {
    const real = await fs.promises.realpath(file);
    // A symlink inside the UI folder must not lead outside it.
    const realRoot = await fs.promises.realpath(root);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return fail(404, 'Not found');
    const st = await fs.promises.stat(real);
    if (!st.isFile()) return fail(404, 'Not found');
    body = await fs.promises.readFile(real);
  } catch {
    return fail(404, 'Not found');
  }
  const ext = path.extname(file).toLowerCase();
  res.writeHead(200, {
    ...headers,
    'Content-Type': TYPES[ext] ?? 'application/octet-stream',
    'Content-Length': String(body.length),
    // Hashed asset names never change content; the page itself must be re-read after an upgrade.
    'Cache-Control': urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(method === 'HEAD' ? undefined : body);
}
