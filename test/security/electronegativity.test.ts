// @vitest-environment node
/**
 * Electronegativity over main/ and renderer/: no finding above informational severity unless
 * justified inline. Run in a child process: the scanner installs module hooks and globals.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScanReport } from './electronegativity.ts';

const SCRIPT = path.join(import.meta.dirname, 'electronegativity.ts');
const root = path.resolve(import.meta.dirname, '../..');

function scan(dir?: string): { status: number | null; report: ScanReport } {
  const r = spawnSync(process.execPath, [SCRIPT, ...(dir ? [dir] : [])], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(r.stdout, r.stderr).not.toBe('');
  return { status: r.status, report: JSON.parse(r.stdout) as ScanReport };
}

describe('electronegativity', () => {
  it('finds nothing above informational in main/ and renderer/ that is not justified inline', () => {
    const started = Date.now();
    const { status, report } = scan();
    const summary = report.findings.map((f) => `${f.id} ${f.file}:${f.line} ${f.severity} ${f.description}`);
    expect(summary).toEqual([]);
    expect(report.unjustified).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.files).toBeGreaterThan(10);
    expect(status).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('the scan is real: an unsafe window and a bare eng-disable fail it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-eng-fixture-'));
    try {
      fs.mkdirSync(path.join(dir, 'main'));
      fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
      fs.writeFileSync(
        path.join(dir, 'main', 'bad.ts'),
        [
          "import { BrowserWindow } from 'electron';",
          'export const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });',
          "w.loadURL('http://example.com/'); // eng-disable LOAD_URL_JS_CHECK",
        ].join('\n'),
      );
      const { status, report } = scan(dir);
      expect(status).toBe(1);
      expect(report.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['SANDBOX_JS_CHECK', 'CONTEXT_ISOLATION_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK']));
      expect(report.unjustified).toEqual([expect.stringContaining('main/bad.ts:3')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
