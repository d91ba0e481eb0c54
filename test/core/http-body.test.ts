import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { readUpTo } from '../../core/http-body.ts';

class TooLarge extends Error {}

describe('readUpTo', () => {
  it('reads a body in chunks as UTF-8, a character split across chunks included', async () => {
    const euro = Buffer.from('€');
    const body = Readable.from([Buffer.from('price: '), euro.subarray(0, 1), euro.subarray(1), Buffer.from(' 5')]);
    expect(await readUpTo(body, 100, () => new TooLarge())).toBe('price: € 5');
  });

  it('a body of exactly the limit is read; one byte more is refused', async () => {
    expect(await readUpTo(Readable.from([Buffer.alloc(10, 'a')]), 10, () => new TooLarge())).toBe('a'.repeat(10));
    await expect(readUpTo(Readable.from([Buffer.alloc(11, 'a')]), 10, () => new TooLarge())).rejects.toBeInstanceOf(TooLarge);
  });

  it('stops reading as soon as the limit is passed and destroys the stream: an endless body is never buffered whole', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024));
      },
    });
    await expect(readUpTo(endless, 64 * 1024, () => new TooLarge())).rejects.toBeInstanceOf(TooLarge);
    expect(endless.destroyed).toBe(true);
    expect(produced).toBeLessThan(1024 * 1024);
  });

  it('over real HTTP: a server sending far more than the limit is cut off, not waited for', async () => {
    let sent = 0;
    const server = http.createServer((_req, res) => {
      res.writeHead(200);
      const push = () => {
        while (sent < 50 * 1024 * 1024 && res.write(Buffer.alloc(64 * 1024))) sent += 64 * 1024;
        if (sent < 50 * 1024 * 1024) res.once('drain', push);
        else res.end();
      };
      push();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await expect(readUpTo(res.body, 256 * 1024, () => new TooLarge())).rejects.toBeInstanceOf(TooLarge);
      expect(sent).toBeLessThan(50 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
