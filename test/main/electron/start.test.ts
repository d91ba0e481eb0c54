// @vitest-environment node
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIsStale, canRunElectron, electronBinary } from '../../../main/start.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('npm start: Electron or the headless agent', () => {
  it('finds the Electron binary (or says why not) without importing, and so downloading, it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-electron-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), '{}');
      expect(electronBinary(dir)).toEqual({ ok: false, reason: 'the electron package is not installed' });
      const pkg = path.join(dir, 'node_modules', 'electron');
      fs.mkdirSync(pkg, { recursive: true });
      fs.writeFileSync(path.join(pkg, 'package.json'), '{"name":"electron"}');
      expect(electronBinary(dir)).toEqual({ ok: false, reason: 'the Electron binary was not downloaded' });
      fs.writeFileSync(path.join(pkg, 'path.txt'), 'electron');
      expect(electronBinary(dir)).toMatchObject({ ok: false, reason: expect.stringMatching(/the Electron binary is missing/) });
      fs.mkdirSync(path.join(pkg, 'dist'));
      fs.writeFileSync(path.join(pkg, 'dist', 'electron'), '');
      expect(electronBinary(dir)).toEqual({ ok: true, binary: path.join(pkg, 'dist', 'electron') });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs a display on Linux', () => {
    const bin = { ok: true as const, binary: '/x/electron' };
    expect(canRunElectron({}, 'linux', bin)).toEqual({ ok: false, reason: expect.stringContaining('no display') });
    expect(canRunElectron({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux', bin)).toEqual(bin);
    expect(canRunElectron({}, 'win32', bin)).toEqual(bin);
  });

  it('rebuilds when dist is missing or older than a source', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-stale-'));
    try {
      expect(buildIsStale(dir)).toBe(true);
      for (const f of ['dist/main/electron/main.js', 'dist/main/electron/preload.cjs', 'dist/renderer/index.html', 'main/a.ts']) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), '');
      }
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(path.join(dir, 'main/a.ts'), old, old);
      expect(buildIsStale(dir)).toBe(false);
      fs.writeFileSync(path.join(dir, 'main/a.ts'), 'changed');
      fs.utimesSync(path.join(dir, 'main/a.ts'), new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
      expect(buildIsStale(dir)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says why, serves the UI headless in demo mode, and stops cleanly on SIGINT', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, OUTBOX_DATA_DIR: dataDir };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, [path.join(root, 'main/start.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      for (let i = 0; i < 200 && !/running at (http:\S+)/.test(out); i++) await new Promise((r) => setTimeout(r, 250));
      expect(err).toContain('Electron is not available here');
      const url = /running at (http:\S+)/.exec(out)?.[1];
      expect(url, `stdout: ${out}\nstderr: ${err}`).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expect(out).toContain('Demo mode');
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
