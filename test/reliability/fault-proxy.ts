import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Pem {
  key: string;
  cert: string;
}

export interface TestCerts {
  /** the CA the client is told to trust */
  ca: string;
  /** a certificate for 127.0.0.1 signed by that CA */
  good: Pem;
  /** a self-signed certificate for 127.0.0.1 that nobody trusts */
  rogue: Pem;
}

/** Certificates made at test time with openssl: nothing secret is checked in. */
export function makeCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-certs-'));
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  try {
    fs.writeFileSync(f('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=Outbox Test CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('good.key'), '-out', f('good.csr'), '-subj', '/CN=127.0.0.1');
    ssl('x509', '-req', '-in', f('good.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('good.crt'), '-days', '2', '-extfile', f('san.cnf'));
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('rogue.key'), '-out', f('rogue.crt'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
    const read = (name: string) => fs.readFileSync(f(name), 'utf8');
    return { ca: read('ca.crt'), good: { key: read('good.key'), cert: read('good.crt') }, rogue: { key: read('rogue.key'), cert: read('rogue.crt') } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A pass-through to the simulator on 127.0.0.1 that can misbehave in ways the simulator
 * itself does not: answer headers and half a body then go quiet, or speak TLS with a chosen
 * certificate (swapped while running, as when an admin fixes the server).
 */
export class FaultProxy {
  readonly url: string;
  /** the next n requests get headers and half the body, then nothing */
  stallBodies = 0;
  private readonly server: http.Server | https.Server;
  private readonly sockets = new Set<Socket>();

  private constructor(server: http.Server | https.Server, url: string) {
    this.server = server;
    this.url = url;
  }

  static async start(target: string, tls?: Pem): Promise<FaultProxy> {
    const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }) : http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const proxy = new FaultProxy(server, `${tls ? 'https' : 'http'}://127.0.0.1:${port}`);
    server.on('connection', (s: Socket) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    server.on('secureConnection', (s: Socket) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => proxy.forward(target, req, res));
    return proxy;
  }

  setCertificate(pem: Pem): void {
    (this.server as https.Server).setSecureContext({ key: pem.key, cert: pem.cert });
  }

  private forward(target: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const stall = this.stallBodies > 0;
    if (stall) this.stallBodies--;
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = { ...up.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        res.writeHead(up.statusCode ?? 502, headers);
        // Half the body, then the line goes quiet: only the client's body timeout ends it.
        if (stall) res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))));
        else res.end(body);
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
