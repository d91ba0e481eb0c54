// @vitest-environment node
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
// electron-builder's own dependencies: the same parser and validator it uses on this file.
const yaml = require('js-yaml') as { load(text: string): unknown };
const Ajv = (require('ajv') as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params: unknown }[] | null } } }).default;
const scheme = JSON.parse(fs.readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;

// As app-builder-lib validates (strict: false tolerates its `typeof` keyword), without coercing types.
const validate = new Ajv({ allErrors: true, strict: false }).compile(scheme);
const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  linux: { target: string[] };
  deb: { depends: string[]; recommends: string[] };
  files: string[];
  asarUnpack: string[];
  mac: { category: string };
};

function errors(data: unknown): string[] {
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

describe('electron-builder.yml', () => {
  it('matches the schema shipped with app-builder-lib', () => {
    expect(errors(config)).toEqual([]);
  });

  it('the check is real: an unknown or misplaced key fails', () => {
    expect(errors({ ...config, bogusKey: true }).join('\n')).toMatch(/additional/);
    expect(errors({ ...config, linux: { ...config.linux, title: 'x' } }).length).toBeGreaterThan(0);
    expect(errors({ ...config, npmRebuild: 'yes' }).length).toBeGreaterThan(0);
  });

  it('says what the issue asks for', () => {
    expect(config.appId).toBe('com.outboxagent.app');
    expect(config.productName).toBe('Outbox Agent');
    expect(config.directories).toMatchObject({ buildResources: 'build' });
    expect(config.npmRebuild).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.deb.depends).toEqual(expect.arrayContaining(['libsecret-1-0', 'libnotify4', 'libayatana-appindicator3-1 | libappindicator3-1']));
    expect(config.deb.recommends).toContain('gnome-keyring');
    expect(config.win).toMatchObject({ target: ['nsis'] });
    expect(config.mac).toMatchObject({ target: ['dmg'], category: 'public.app-category.business' });
    expect(config.files).toEqual(expect.arrayContaining(['dist/**/*', 'package.json', '!**/*.map', '!**/*.ts']));
    expect(config.files.some((f) => /^(main|core|renderer|test)\b/.test(f))).toBe(false);
  });

  it('flips the Electron fuses: no RunAsNode, NODE_OPTIONS or inspect; only the app.asar, integrity-checked', () => {
    expect(config.electronFuses).toEqual(
      expect.objectContaining({
        runAsNode: false,
        enableNodeOptionsEnvironmentVariable: false,
        enableNodeCliInspectArguments: false,
        onlyLoadAppFromAsar: true,
        enableEmbeddedAsarIntegrityValidation: true,
      }),
    );
    // a misspelt fuse would be silently ignored by a looser check: the schema refuses it
    expect(errors({ ...config, electronFuses: { runAsnode: false } }).length).toBeGreaterThan(0);
  });

  it('packages what the app reads at runtime', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/main/electron/main.js');
    for (const f of ['build/icon.png', 'build/tray/tray-idle.png', 'build/tray/tray-draining.png', 'build/tray/tray-paused.png', 'build/tray/tray-conflicts.png']) {
      expect(fs.existsSync(path.join(root, f)), f).toBe(true);
    }
  });
});
