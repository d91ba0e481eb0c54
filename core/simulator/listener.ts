import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readUpTo } from '../http-body.ts';
import type { Socket } from 'node:net';
import type { SimResponse } from './http-message.ts';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The simulator's lifecycle on the wire: one HTTP listener on 127.0.0.1 that can go offline
 * (every open connection destroyed, as a cut line does) and come back on the same port.
 */
export class Listener {
  readonly port: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** aborted when the listener goes away, so requests waiting out their latency are dropped */
  #lifetime = new AbortController();
  #listening = true;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async open(port: number, onRequest: RequestHandler): Promise<Listener> {
    const server = createServer();
    await listen(server, port);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the simulator did not get a TCP port');
    const listener = new Listener(server, address.port);
    server.on('request', onRequest);
    return listener;
  }

  get signal(): AbortSignal {
    return this.#lifetime.signal;
  }

  async reopen(): Promise<void> {
    if (this.#listening) return;
    await listen(this.#server, this.port);
    this.#listening = true;
  }

  async close(): Promise<void> {
    this.#lifetime.abort();
    this.#lifetime = new AbortController();
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
    // let clients in this process see their pooled connections close before they reuse them
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function requestHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return readUpTo(req, MAX_BODY_BYTES, () => new RangeError('request body too large'));
}

export function send(res: ServerResponse, response: SimResponse): void {
  if (res.destroyed || res.headersSent) return;
  const body = Buffer.from(response.body, 'utf8');
  try {
    res.writeHead(response.status, { ...response.headers, 'Content-Length': String(body.length) });
    res.end(body);
  } catch {
    // e.g. a scripted header value Node refuses to send: drop the connection, don't crash the host
    res.destroy();
  }
}

/** Headers and half the body, then the connection dies under the client. Returns whether a status line went out. */
export function cut(req: IncomingMessage, res: ServerResponse, response: SimResponse): boolean {
  if (res.destroyed) return false;
  const body = Buffer.from(response.body, 'utf8');
  if (body.length === 0) {
    req.socket.destroy();
    return false;
  }
  try {
    res.writeHead(response.status, { ...response.headers, 'Content-Length': String(body.length) });
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
  } catch {
    req.socket.destroy();
  }
  return true;
}
