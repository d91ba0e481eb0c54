/**
 * `npm start`: the Electron tray app where Electron can run; where it cannot (no Electron binary,
 * or no display on Linux) it says why and starts the headless server with the same UI instead.
 *
 * The Electron check never imports the `electron` package: in plain Node its index.js tries to
 * download the binary when it is missing, which is exactly the case we must handle quietly.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { defaultDataDir } from '../core/paths.ts';
import { keepYoungGenerationSmall } from './memory.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export type ElectronCheck = { ok: true; binary: string } | { ok: false; reason: string };

/** Where the electron package put its binary, if it did: node_modules/electron/{path.txt,dist/…}. */
export function electronBinary(root: string = ROOT): ElectronCheck {
  let dir: string;
  try {
    dir = path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed' };
  }
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return fs.existsSync(binary) ? { ok: true, binary } : { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary (${binary})` };
  }
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return { ok: false, reason: 'the Electron binary was not downloaded' };
  const binary = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(binary) ? { ok: true, binary } : { ok: false, reason: `the Electron binary is missing (${binary})` };
}

/** Electron can open a window here: a binary, and on Linux a display to open it on. */
export function canRunElectron(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, binary: ElectronCheck): ElectronCheck {
  if (!binary.ok) return binary;
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { ok: false, reason: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  return binary;
}

function newest(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let t = 0;
  for (const d of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (d.isFile() && !d.parentPath.includes('node_modules')) t = Math.max(t, fs.statSync(path.join(d.parentPath, d.name)).mtimeMs);
  }
  return t;
}

/** dist/ is missing a piece, or older than a source it was built from. */
export function buildIsStale(root: string = ROOT): boolean {
  const outputs = ['dist/main/electron/main.js', 'dist/main/electron/preload.cjs', 'dist/renderer/index.html'].map((f) => path.join(root, f));
  if (outputs.some((f) => !fs.existsSync(f))) return true;
  const built = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs));
  const sources = Math.max(
    ...['main', 'core', 'renderer'].map((d) => newest(path.join(root, d))),
    ...['package.json', 'tsconfig.build.json'].map((f) => (fs.existsSync(path.join(root, f)) ? fs.statSync(path.join(root, f)).mtimeMs : 0)),
  );
  return sources > built;
}

async function runElectron(binary: string): Promise<number> {
  if (buildIsStale()) {
    console.error('Building the app (npm run build)…');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const built = spawnSync(npm, ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) return built.status ?? 1;
  }
  const child = spawn(binary, [ROOT, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function runHeadless(reason: string): Promise<number> {
  console.error(`Electron is not available here (${reason}) — starting the headless agent instead.`);
  keepYoungGenerationSmall();
  const { serve } = await import('./server/serve.ts');
  const env = process.env;
  const dataDir = env.OUTBOX_DATA_DIR || defaultDataDir(env, process.platform, os.homedir());
  // A fresh install shows the demo, in its own outbox; a real queue (or a connection) never.
  const server = await serve({ dataDir, demo: 'when-new', env });
  const shown = await server.agent.api().status();
  console.log(`Outbox Agent is running at ${server.url}`);
  if (!server.url.includes(server.token)) console.log(`Access token: ${server.token}`);
  console.log(shown.mode === 'demo' ? 'Demo mode: nothing is configured yet, so the UI shows the demo (its own outbox and the embedded simulator).' : `Data: ${dataDir}`);
  console.log('Press Ctrl+C to stop (the request in flight is finished first).');
  return new Promise((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      console.error('Stopping…');
      server.close().then(
        () => resolve(0),
        (e: unknown) => {
          console.error(e);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

if (import.meta.main) {
  const check = canRunElectron(process.env, process.platform, electronBinary());
  process.exitCode = check.ok ? await runElectron(check.binary) : await runHeadless(check.reason);
}
