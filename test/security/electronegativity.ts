/**
 * Runs @doyensec/electronegativity over main/ and renderer/ and fails on any finding above
 * informational severity. A finding may only be silenced inline with
 * `/* eng-disable CHECK_ID -- why this is safe *\/`; a disable without a reason fails too.
 * Offline, AvailableSecurityFixesGlobalCheck (which asks the network for Electron releases) is excluded.
 *
 *   node test/security/electronegativity.ts [ROOT]   exit 1 on findings, JSON report on stdout
 */
import fs from 'node:fs';
import { Module, createRequire, registerHooks } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['main', 'renderer'];

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { value: number; name: string };
  confidence: { name: string };
  description: string;
}

export interface ScanReport {
  files: number;
  findings: { id: string; file: string; line: number; severity: string; description: string }[];
  unjustified: string[];
  errors: { file: string; message: string }[];
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

/**
 * Electronegativity reads .js/.ts/.tsx/.html only; the preload is a .cts. The scan runs over a
 * copy with CommonJS/ESM TypeScript renamed to .ts, and the package.json that names Electron's version.
 */
function stage(root: string): { dir: string; count: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-eng-'));
  let count = 0;
  for (const top of SCANNED) {
    for (const file of sourceFiles(path.join(root, top))) {
      if (!/\.(c|m)?tsx?$|\.html?$|\.js$/.test(file)) continue;
      const rel = path.relative(root, file).replace(/\.(c|m)ts$/, '.ts');
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.copyFileSync(file, path.join(dir, rel));
      count++;
    }
  }
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  return { dir, count };
}

/** Every eng-disable comment must say why, in a few words besides the check names. */
function unjustifiedDisables(root: string): string[] {
  const out: string[] = [];
  for (const top of SCANNED) {
    for (const file of sourceFiles(path.join(root, top))) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const m = /eng-disable\s+(.*?)(?:\*\/|-->|$)/.exec(line);
        if (!m) return;
        const words = m[1]!.split(/[\s,]+/).filter((w) => w && w !== '--' && !/^[A-Z0-9_]+$/.test(w));
        if (words.length < 3) out.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  return out;
}

/**
 * electronegativity's TypeScript parser (@typescript-eslint/typescript-estree 4) needs the
 * TypeScript 4 compiler API; the project's own `typescript` is 7 (native, no JS API). The
 * TypeScript 4 that electronegativity bundles is handed to it instead.
 */
let prepared = false;

function useBundledTypeScript(require: NodeJS.Require): void {
  const bundled = path.join(path.dirname(require.resolve('@doyensec/electronegativity/package.json')), 'node_modules', 'typescript', 'lib', 'typescript.js');
  if (!fs.existsSync(bundled)) return;
  const url = `file://${bundled}`;
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier === 'typescript' && context.parentURL?.includes('/@typescript-eslint/')) return { url, format: 'commonjs', shortCircuit: true };
      return next(specifier, context);
    },
  });
}

/**
 * At start it fetches translations from GitHub (and an unhandled retry of that request crashes
 * the process offline). Its HTTP client is answered with "offline" at once: the English texts
 * ship with it.
 */
function stayOffline(require: NodeJS.Require): void {
  const i18n = require.resolve('@doyensec/electronegativity/dist/locales/i18n.js');
  const got = createRequire(i18n).resolve('got');
  const stub = new Module(got);
  stub.exports = () => Promise.reject(new Error('offline: electronegativity runs without network'));
  stub.loaded = true;
  require.cache[got] = stub;
}

/** `root` holds main/, renderer/ and package.json: the project, or a test's fixture. */
export async function scan(root = ROOT): Promise<ScanReport> {
  const require = createRequire(import.meta.url);
  if (!prepared) {
    useBundledTypeScript(require);
    stayOffline(require);
    prepared = true;
  }
  const run = require('@doyensec/electronegativity') as (options: object) => Promise<{ issues: Issue[]; errors: { file: string; message: string; tolerable: boolean }[] }>;
  const staged = stage(root);
  const log = console.log;
  // Its progress chatter goes to stdout, where our report goes.
  console.log = (...args: unknown[]) => console.error(...args);
  try {
    const result = await run({
      input: staged.dir,
      isRelative: true,
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
      severitySet: 'informational',
      confidenceSet: 'tentative',
      electronUpgrade: undefined,
      parserPlugins: [],
    });
    return {
      files: staged.count,
      findings: result.issues
        .filter((i) => i.severity.value > 0)
        .map((i) => ({ id: i.id, file: i.file, line: i.location.line, severity: i.severity.name, description: i.description })),
      unjustified: unjustifiedDisables(root),
      errors: result.errors.filter((e) => !e.tolerable).map((e) => ({ file: path.relative(staged.dir, e.file), message: e.message })),
    };
  } finally {
    console.log = log;
    fs.rmSync(staged.dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const report = await scan(process.argv[2] ? path.resolve(process.argv[2]) : ROOT);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.findings.length + report.unjustified.length + report.errors.length > 0 ? 1 : 0;
}
