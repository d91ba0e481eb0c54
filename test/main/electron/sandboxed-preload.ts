// Pulls the preload into the root type-check (its .cts extension is outside the include globs).
/// <reference path="../../../main/electron/preload.cts" />
/**
 * Runs main/electron/preload.cts the way a sandboxed renderer does: as one CommonJS script whose
 * `require` answers only 'electron'. A preload that needed anything else would fail here too.
 */
import fs from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import * as electron from './fake-electron.ts';

export const PRELOAD_FILE = path.resolve(import.meta.dirname, '../../../main/electron/preload.cts');

export function runPreload(): void {
  const source = stripTypeScriptTypes(fs.readFileSync(PRELOAD_FILE, 'utf8'), { mode: 'strip' });
  const sandboxRequire = (id: string) => {
    if (id === 'electron') return electron;
    throw new Error(`module not found: ${id} (a sandboxed preload may only require 'electron')`);
  };
  const module = { exports: {} };
  // The sandboxed preload wrapper's parameters, in Electron's order.
  const run = new Function('require', 'process', 'Buffer', 'global', 'setImmediate', 'clearImmediate', 'exports', 'module', source);
  run(sandboxRequire, process, Buffer, globalThis, setImmediate, clearImmediate, module.exports, module);
}
