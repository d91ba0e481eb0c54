// @vitest-environment node
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED, RotatingLog, redact } from '../../../main/electron/log.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-log-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('redact', () => {
  it('removes secrets known at runtime and secret-shaped text', () => {
    const secret = 'Zq8~Xk.secret-VALUE_123';
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const text = [
      `failed with ${secret} in it`,
      `Authorization: Bearer ${jwt}`,
      'body grant_type=client_credentials&client_secret=abc%2Bdef&scope=x',
      '{"client_secret":"s3cr3t\\"x","tenant":"t"}',
      `token ${jwt} leaked`,
      'https://x/?access_token=tok123&a=1',
      'a table row',
    ].join('\n');
    const out = redact(text, [secret, 'ab']);
    for (const s of [secret, jwt, 'abc%2Bdef', 's3cr3t', 'tok123']) expect(out).not.toContain(s);
    expect(out).toContain(`Bearer ${REDACTED}`);
    expect(out).toContain(`client_secret=${REDACTED}&scope=x`);
    expect(out).toContain(`"client_secret":"${REDACTED}","tenant":"t"`);
    expect(out).toContain('grant_type=client_credentials');
    // too short to be a secret, and would shred ordinary words
    expect(out).toContain('a table row');
  });
});

describe('RotatingLog', () => {
  it('never writes a remembered secret, even inside an Error', () => {
    const log = new RotatingLog({ dir });
    log.rememberSecret('hunter2-very-secret');
    log.error('token request failed:', new Error('invalid_client: hunter2-very-secret rejected'));
    log.info({ body: 'client_secret=hunter2-very-secret' });
    const text = fs.readFileSync(log.file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('ERROR token request failed:');
    expect(text).toContain(REDACTED);
  });

  it('rotates by size and keeps N old files', () => {
    const log = new RotatingLog({ dir, maxBytes: 200, keep: 2, now: () => 0 });
    for (let i = 0; i < 20; i++) log.info(`line ${i} ${'x'.repeat(40)}`);
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['main.log', 'main.log.1', 'main.log.2']);
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(200);
    expect(fs.readFileSync(path.join(dir, 'main.log'), 'utf8')).toContain('line 19');
    const all = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
    expect(all).not.toContain('line 0 ');
    // A restart continues the same file and its size.
    const again = new RotatingLog({ dir, maxBytes: 200, keep: 2, now: () => 0 });
    again.info('after restart');
    expect(fs.readdirSync(dir)).toHaveLength(3);
  });
});
