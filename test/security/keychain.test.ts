// @vitest-environment node
/**
 * The client secret through the real OS keychain: gnome-keyring's Secret Service on a private
 * D-Bus session, reached by keytar (libsecret). CI installs gnome-keyring and dbus; where they
 * are missing this fails and says so, because a skipped keychain test proves nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Simulator } from '../../core/simulator/simulator.ts';

const CHILD = path.join(import.meta.dirname, 'keychain-child.ts');

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-keyring-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

describe('KeychainSecretStore against gnome-keyring', () => {
  it('stores, reads back, replaces and deletes the client secret', () => {
    const missing = ['dbus-run-session', 'gnome-keyring-daemon'].filter((c) => !which(c));
    expect(missing, `install ${missing.join(' and ')} (apt: dbus, gnome-keyring, libsecret-1-0) to run the keychain test`).toEqual([]);

    const secret = `s3cr3t-${Math.random().toString(36).slice(2)}~Q.`;
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local/share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_RUNTIME_DIR: home,
      LANG: 'C.UTF-8',
    };
    // The daemon starts unlocked with a throwaway password, inside a bus that dies with the child.
    const script = `echo -n throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "${process.execPath}" "${CHILD}" "$0"`;
    const r = spawnSync('dbus-run-session', ['--', 'sh', '-c', script, secret], { env, encoding: 'utf8', timeout: 20_000, cwd: path.resolve(import.meta.dirname, '../..') });
    expect(r.error, 'dbus-run-session could not be started').toBeUndefined();
    expect(r.status, `keychain child failed:\n${r.stderr}`).toBe(0);
    const seen = JSON.parse(r.stdout) as Record<string, string | null>;
    expect(seen).toEqual({ kind: 'keychain', before: null, afterSet: secret, fresh: secret, rotated: `${secret}-rotated`, afterDelete: null });
    // Nothing of the secret was left in plain text on disk (gnome-keyring encrypts its files).
    const files = spawnSync('grep', ['-rl', secret, home], { encoding: 'utf8' });
    expect(files.stdout).toBe('');
  });

  it('outbox connect --secret-stdin files the secret in the keychain, and drain signs in with it', async () => {
    const secret = `kc-${Math.random().toString(36).slice(2)}-secret`;
    const sim = await Simulator.start({ orders: 5, clientSecret: secret });
    try {
      const data = path.join(home, 'data');
      const bin = path.resolve(import.meta.dirname, '../../bin/outbox.js');
      const outbox = `"${process.execPath}" "${bin}" --data-dir "${data}"`;
      const script = [
        'echo -n throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
        `printf '%s\\n' "$0" | ${outbox} connect --url ${sim.url} --tenant sim-tenant --client-id outbox-agent --authority ${sim.authorityUrl} --secret-stdin`,
        `${outbox} enqueue SO-000002 DeliveryModeCode=KEYCHAIN`,
        `exec ${outbox} drain --until-idle`,
      ].join(' && ');
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_RUNTIME_DIR: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local/share'), LANG: 'C.UTF-8', OUTBOX_USER: 'kc@test' };
      // Asynchronous: the simulator answering the child lives in this process.
      const child = spawn('dbus-run-session', ['--', 'sh', '-c', script, secret], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(code, out).toBe(0);
      expect(out).toMatch(/secret stored in the OS keychain/);
      expect(out).toMatch(/summary: 1 done/);
      expect(out).not.toContain(secret);
      expect(sim.order('USMF', 'SO-000002')!.DeliveryModeCode).toBe('KEYCHAIN');
      const leaked = spawnSync('grep', ['-rl', secret, data], { encoding: 'utf8' });
      expect(leaked.stdout).toBe('');
    } finally {
      await sim.stop();
    }
  });
});
