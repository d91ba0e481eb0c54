// @vitest-environment node
/**
 * electron-builder.yml, checked by electron-builder's own code: its schema, the files its own
 * matcher would pack from a project laid out like ours (and from this very tree), what it leaves
 * outside the asar, and the fuses it would flip. Not a copy of the YAML: what the YAML does.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
vi.mock('electron', () => import('../main/electron/fake-electron.ts'));
import { PRODUCT_NAME } from '../../core/paths.ts';
import { TRAY_ICONS, trayIconFile } from '../../main/electron/tray.ts';
import { appPaths } from '../../main/electron/window.ts';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
// electron-builder's own dependencies: the same parser and validator it uses on this file.
const yaml = require('js-yaml') as { load(text: string): unknown };
const Ajv = (require('ajv') as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params: unknown }[] | null } } }).default;
const scheme = JSON.parse(fs.readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;

interface Stat {
  isDirectory(): boolean;
}
type Filter = (file: string, stat: Stat) => boolean;
interface Matcher {
  createFilter(): Filter;
}
const fileMatcher = require('app-builder-lib/out/fileMatcher.js') as {
  getMainFileMatchers(appDir: string, destination: string, macroExpander: (p: string) => string, platformOptions: object, packager: object, outDir: string, isElectronCompile: boolean): Matcher[];
  getFileMatchers(config: object, name: 'asarUnpack', destination: string, options: object): Matcher[] | null;
};
const { expandMacro } = require('app-builder-lib/out/util/macroExpander.js') as { expandMacro(p: string, arch: string | null, appInfo: object, extra: object): string };
const { PlatformPackager } = require('app-builder-lib') as { PlatformPackager: { prototype: { generateFuseConfig(fuses: object): Promise<Record<string | number, unknown>> } } };
const { FuseV1Options } = require('@electron/fuses') as { FuseV1Options: Record<string, number> };

// As app-builder-lib validates (strict: false tolerates its `typeof` keyword), without coercing types.
const validate = new Ajv({ allErrors: true, strict: false }).compile(scheme);
const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  productName: string;
  linux: Record<string, unknown>;
  directories: { buildResources: string; output: string };
  electronFuses: Record<string, boolean>;
};
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; version: string };

function errors(data: unknown): string[] {
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** The macros electron-builder expands in patterns, as its Linux packager does (no arch). */
const macros = (p: string) => expandMacro(p, null, { productName: config.productName, sanitizedProductName: config.productName, version: pkg.version }, { os: 'linux', '/*': '{,/**/*}' });

/** The files electron-builder would put in the app for a project in `dir`, by its own matcher, as it walks the folder. */
function packed(dir: string): string[] {
  const packager = { info: { projectDir: dir, buildResourcesDir: path.join(dir, config.directories.buildResources), config, isPrepackedAppAsar: false, debugLogger: { isEnabled: false } } };
  const [main] = fileMatcher.getMainFileMatchers(dir, '/app', macros, config.linux, packager, path.join(dir, config.directories.output), false);
  const filter = main!.createFilter();
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const file = path.join(d, name);
      const stat = fs.statSync(file);
      if (!filter(file, stat)) continue;
      if (stat.isDirectory()) walk(file);
      else out.push(path.relative(dir, file).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** A project laid out like ours after `npm run build`: what the app needs, and what it must not ship. */
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-pack-'));
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
const RUNTIME = ['dist/renderer/index.html', 'dist/renderer/assets/index-abc123.js', 'dist/main/electron/main.js', 'dist/main/electron/preload.cjs', 'dist/core/agent.js', 'dist/core/outbox/integrity-worker.js'];
const NOT_SHIPPED = [
  'dist/main/electron/main.js.map',
  'dist/core/agent.d.ts',
  'dist/core/agent.test.js',
  'dist/tsconfig.build.tsbuildinfo',
  'core/agent.ts',
  'main/electron/preload.cts',
  'renderer/index.html',
  'test/core/agent.test.ts',
  'README.md',
  'ARCHITECTURE.md',
  'package-lock.json',
  'electron-builder.yml',
  'tsconfig.json',
  'release/Outbox Agent-0.1.0-x86_64.AppImage',
  '.github/workflows/ci.yml',
  'node_modules/zod/index.js',
];
for (const f of [...RUNTIME, ...NOT_SHIPPED]) {
  fs.mkdirSync(path.dirname(path.join(project, f)), { recursive: true });
  fs.writeFileSync(path.join(project, f), 'x');
}
fs.copyFileSync(path.join(root, 'package.json'), path.join(project, 'package.json'));
fs.copyFileSync(path.join(root, 'electron-builder.yml'), path.join(project, 'electron-builder.yml'));
fs.cpSync(path.join(root, 'build'), path.join(project, 'build'), { recursive: true });

describe('electron-builder.yml', () => {
  it('matches the schema shipped with app-builder-lib', () => {
    expect(errors(config)).toEqual([]);
  });

  it('the check is real: an unknown or misplaced key fails', () => {
    expect(errors({ ...config, bogusKey: true }).join('\n')).toMatch(/additional/);
    expect(errors({ ...config, linux: { ...config.linux, title: 'x' } }).length).toBeGreaterThan(0);
    expect(errors({ ...config, npmRebuild: 'yes' }).length).toBeGreaterThan(0);
    // a misspelt fuse would be silently ignored by electron-builder (see below): the schema refuses it
    expect(errors({ ...config, electronFuses: { runAsnode: false } }).length).toBeGreaterThan(0);
  });
});

describe('what electron-builder would pack, by its own matching', () => {
  const files = packed(project);

  it('the built app, package.json and the icons read at runtime; no sources, tests, maps, typings, lock files or earlier releases', () => {
    const icons = fs.readdirSync(path.join(root, 'build', 'tray')).map((f) => `build/tray/${f}`);
    expect(files).toEqual([...RUNTIME, 'package.json', 'build/icon.png', ...icons].sort());
    for (const f of NOT_SHIPPED) expect(files, f).not.toContain(f);
    expect(files).not.toContain('build/make-icons.ts');
  });

  it('every file the packaged app opens is in it: main, preload, page, window icon, each tray state in both densities', () => {
    const paths = appPaths('/app', path.posix.dirname(path.posix.join('/app', pkg.main)));
    const needed = [pkg.main, paths.page, paths.preload, paths.icon, ...TRAY_ICONS.flatMap((i) => [trayIconFile(paths.trayIcons, i), trayIconFile(paths.trayIcons, i).replace(/\.png$/, '@2x.png')])];
    for (const f of needed) expect(files, f).toContain(path.posix.relative('/app', f.startsWith('/') ? f : path.posix.join('/app', f)));
  });

  it('from this very tree (nothing built here), only package.json and the runtime icons would go in', () => {
    const here = packed(root).filter((f) => !f.startsWith('dist/'));
    expect(here.every((f) => f === 'package.json' || f === 'build/icon.png' || /^build\/tray\/tray-[a-z]+(@2x)?\.png$/.test(f)), here.join('\n')).toBe(true);
    expect(here).toContain('build/icon.png');
  });

  it('native modules stay outside the asar, where they can be loaded; the app\'s own code goes inside', () => {
    const [unpack] = fileMatcher.getFileMatchers(config, 'asarUnpack', '/app', { macroExpander: macros, customBuildOptions: config.linux, globalOutDir: path.join(project, 'release'), defaultSrc: project })!;
    const outside = unpack!.createFilter();
    const file: Stat = { isDirectory: () => false };
    const at = (f: string) => outside(path.join(project, f), file);
    expect(at('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
    expect(at('node_modules/better-sqlite3/lib/database.js')).toBe(true);
    expect(at('node_modules/keytar/build/Release/keytar.node')).toBe(true);
    expect(at('node_modules/some-dep/prebuilds/linux-x64/addon.node')).toBe(true);
    expect(at('dist/main/electron/main.js')).toBe(false);
    expect(at('node_modules/zod/index.js')).toBe(false);
  });
});

describe('what electron-builder would do to the Electron binary', () => {
  it('flips the fuses: no RunAsNode, NODE_OPTIONS or --inspect; only the app.asar, integrity-checked', async () => {
    const fuses = await PlatformPackager.prototype.generateFuseConfig.call({}, config.electronFuses);
    expect(fuses[FuseV1Options.RunAsNode!]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable!]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments!]).toBe(false);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar!]).toBe(true);
    expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation!]).toBe(true);
    expect(fuses[FuseV1Options.GrantFileProtocolExtraPrivileges!]).toBe(false);
    // electron-builder drops a key it does not know: only the schema check above catches a typo
    const misspelt = await PlatformPackager.prototype.generateFuseConfig.call({}, { runAsnode: false });
    expect(FuseV1Options.RunAsNode! in misspelt).toBe(false);
  });

  it('the desktop app\'s data folder is the one the CLI and server look in: Electron names it after productName', () => {
    expect(config.productName).toBe(PRODUCT_NAME);
  });
});
