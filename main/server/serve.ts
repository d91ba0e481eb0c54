import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DemoSwitch } from '../../core/demo.ts';
import type { DrainerOptions } from '../../core/engine/drainer.ts';
import { queuedBy } from '../../core/paths.ts';
import { secretSourceFrom, type SecretStore } from '../../core/secrets.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import { HttpFailure, bodyLimit, failure, methodFromPath, parseCallBody, readBody, sendResult, statusFor } from './api-route.ts';
import { openEventStream } from './event-stream.ts';
import { SECURITY_HEADERS, hostAllowed, isLoopbackHost, newAccessToken, originAllowed, presentedToken, tokenMatches } from './http-guard.ts';
import { serveStatic } from './static-files.ts';
import { defaultUiDir, ensureUiBuilt } from './ui-build.ts';

export interface ServeOptions {
  dataDir: string;
  /** default 0: any free port */
  port?: number;
  /** default 127.0.0.1; anything else is reachable from the network and warned about */
  host?: string;
  /** open showing the demo: its own outbox (DATA/demo) and the embedded simulator with other writers; 'when-new': only a fresh install */
  demo?: boolean | 'when-new';
  env?: NodeJS.ProcessEnv;
  /** the built UI, default <package>/dist/renderer */
  uiDir?: string;
  log?: (line: string) => void;
  /** for tests and tools: overrides merged over the demo's simulator options */
  simulator?: SimulatorOptions;
  drainer?: DrainerOptions;
  /** default: the OS keychain, or memory holding OUTBOX_CLIENT_SECRET when that is set */
  secrets?: SecretStore;
  /** how often the demo's desk queues a new update */
  deskEveryMs?: number;
}

export interface RunningServer {
  url: string;
  token: string;
  agent: DemoSwitch;
  close(): Promise<void>;
}

/** The agent and its UI over HTTP, for sites without a desktop. */
export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => console.error(line));
  const host = opts.host ?? '127.0.0.1';
  const uiDir = opts.uiDir ?? defaultUiDir();
  const token = newAccessToken();

  await ensureUiBuilt(uiDir, log);

  const source = secretSourceFrom(env);
  const agent = await DemoSwitch.open({
    dataDir: opts.dataDir,
    secrets: opts.secrets ?? source.secrets,
    envSecret: source.envSecret,
    queuedBy: queuedBy(env),
    startInDemo: opts.demo,
    simulator: opts.simulator,
    deskEveryMs: opts.deskEveryMs,
    drainer: opts.drainer,
  });

  const streams = new Set<() => void>();
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req.headers.host, host, port)) {
      res.writeHead(421, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end('Misdirected request: this agent only answers to 127.0.0.1 and localhost.');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://agent.invalid');
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return handleApi(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed');
      return;
    }
    await serveStatic(uiDir, url.pathname, req.method, res, SECURITY_HEADERS);
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    try {
      if (!originAllowed(req.headers.origin, req.headers.host)) throw new HttpFailure(403, 'FORBIDDEN_ORIGIN', 'Requests from other origins are refused.');
      const isEvents = url.pathname === '/api/events';
      if (!tokenMatches(presentedToken(req, url, isEvents), token)) {
        throw new HttpFailure(401, 'UNAUTHORIZED', 'Missing or wrong access token: open the URL printed by `outbox serve`.');
      }
      if (isEvents) {
        if (req.method !== 'GET') throw new HttpFailure(405, 'METHOD_NOT_ALLOWED', 'Use GET for /api/events.');
        const close = openEventStream(res, (l) => agent.subscribe(l), SECURITY_HEADERS);
        streams.add(close);
        res.on('close', () => streams.delete(close));
        return;
      }
      if (req.method !== 'POST') throw new HttpFailure(405, 'METHOD_NOT_ALLOWED', 'Use POST for API calls.');
      const method = methodFromPath(url.pathname);
      const type = String(req.headers['content-type'] ?? '');
      // Only JSON: a cross-site <form> can post text/plain, and a preflight-free request is a risk we need not take.
      if (!/^application\/json\b/i.test(type)) throw new HttpFailure(415, 'UNSUPPORTED_MEDIA_TYPE', 'API calls must send Content-Type: application/json.');
      const args = parseCallBody(await readBody(req, bodyLimit(method)));
      const result = await agent.invoke(method, args);
      sendResult(res, statusFor(result), result, SECURITY_HEADERS);
    } catch (e) {
      const f = e instanceof HttpFailure ? e : new HttpFailure(500, 'INTERNAL', e instanceof Error ? e.message : String(e));
      const headers: Record<string, string> = { ...SECURITY_HEADERS };
      if (f.status === 401) headers['WWW-Authenticate'] = 'Bearer';
      if (f.status === 405) headers.Allow = url.pathname === '/api/events' ? 'GET' : 'POST';
      // The rest of an oversized body is not worth reading: answer, then drop the connection.
      if (f.status === 413) headers.Connection = 'close';
      if (!res.headersSent) sendResult(res, f.status, failure(f.code, f.message), headers);
      else res.end();
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`request failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
      res.end();
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await agent.close();
    throw e;
  }
  port = (server.address() as AddressInfo).port;

  const shown = await agent.api().status();
  if (shown.mode === 'demo') log(`Demo mode: its own outbox and the embedded D365 simulator at ${shown.target}, with other users writing. Your real queue is not touched.`);
  else if (shown.connection) log(shown.connection);
  else log(`Sending to ${shown.target}.`);
  agent.start();

  if (!isLoopbackHost(host)) {
    const bar = '!'.repeat(78);
    log(bar);
    log(`WARNING: listening on ${host}:${port}, reachable from other machines. Anyone with the token`);
    log('can read and change the outbox, over plain HTTP. Prefer the default 127.0.0.1 with an SSH tunnel.');
    log(bar);
  }

  const shownHost = host === 'localhost' ? 'localhost' : isLoopbackHost(host) || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/?token=${token}`;

  let closing: Promise<void> | null = null;
  return {
    url,
    token,
    agent,
    close() {
      closing ??= (async () => {
        for (const end of [...streams]) end();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await agent.close();
      })();
      return closing;
    },
  };
}
