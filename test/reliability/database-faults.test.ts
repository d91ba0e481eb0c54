import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../core/agent.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { databaseFile } from '../../core/paths.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { runOutbox } from '../main/cli/run-cli.ts';
import { writeFigures } from './figures.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
const undo: (() => void)[] = [];
afterEach(() => {
  while (undo.length) undo.pop()!();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-dbfault-'));
  dirs.push(d);
  return d;
}

async function cli(dir: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runOutbox(['--data-dir', dir, ...argv], { env: { OUTBOX_USER: 'tester' } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

async function queue(dir: string, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const r = await cli(dir, 'enqueue', `SO-${String(i).padStart(6, '0')}`, `DeliveryModeCode=M${i}`);
    expect(r.code, r.err).toBe(0);
  }
}

/** The rows a person cares about, read with a plain connection. */
function rowsHash(file: string): { n: number; hash: string } {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT id, order_no, fields, state FROM updates ORDER BY id').all();
    return { n: rows.length, hash: createHash('sha256').update(JSON.stringify(rows)).digest('hex') };
  } finally {
    db.close();
  }
}

const tried: string[] = [];

describe('database failure modes: a clear message and nothing lost', () => {
  it('a file that is not a database is kept aside, with a notice, and a fresh outbox is used', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'outbox.sqlite');
    const garbage = Buffer.alloc(16_384, 'not a database, the disk ate it. ');
    fs.writeFileSync(file, garbage);
    const r = await cli(dir, 'status');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/notice: The outbox database .*outbox\.sqlite was damaged and has been moved aside to .*outbox\.sqlite\.corrupt-.* \(nothing was deleted\)/);
    const aside = fs.readdirSync(dir).filter((f) => f.includes('.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, aside[0]!)).equals(garbage)).toBe(true);
    expect((await cli(dir, 'enqueue', 'SO-000001', 'DeliveryModeCode=10')).code).toBe(0);
    tried.push('corrupt: not a database');
  });

  it('a database with damaged pages is kept aside byte for byte, never patched over', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'outbox.sqlite');
    await queue(dir, 40);
    // scribble over the middle of the file (table and index pages), keeping the header
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(4 * 4096);
    bytes.fill(0xa5, 4096 + 100, bytes.length - 100);
    fs.writeFileSync(file, bytes);
    const r = await cli(dir, 'status');
    expect(r.err).toMatch(/was damaged and has been moved aside to .*send the damaged file to support/);
    const aside = fs.readdirSync(dir).find((f) => f.includes('.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm'))!;
    expect(fs.readFileSync(path.join(dir, aside)).equals(bytes)).toBe(true);
    const again = await cli(dir, 'status', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ pending: 0 });
    tried.push('corrupt: damaged pages');
  });

  it('locked by another process: DB_LOCKED says what to do; nothing lost once released', { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'outbox.sqlite');
    await queue(dir, 3);
    const before = rowsHash(file);
    const holder = spawn(
      process.execPath,
      ['-e', `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN EXCLUSIVE'); console.log('LOCKED');
              process.stdin.resume(); process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); });`, file],
      { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d: Buffer) => d.toString().includes('LOCKED') && resolve());
      holder.on('exit', () => reject(new Error('the lock holder died')));
    });
    const started = Date.now();
    const r = await cli(dir, 'enqueue', 'SO-000099', 'DeliveryModeCode=LOCK');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/outbox\.sqlite is locked by another process \(.*\)\. Close the other Outbox Agent or wait, then try again\./);
    // it waited for the lock (busy timeout) rather than failing at once
    expect(Date.now() - started).toBeGreaterThan(3000);
    expect(rowsHash(file)).toEqual(before);
    holder.stdin!.end();
    await new Promise((resolve) => holder.on('exit', resolve));
    const ok = await cli(dir, 'enqueue', 'SO-000099', 'DeliveryModeCode=LOCK');
    expect(ok.code, ok.err).toBe(0);
    expect(rowsHash(file).n).toBe(before.n + 1);
    tried.push('locked by another process');
  });

  /**
   * Tests run as root in CI, and root ignores permission bits; the immutable attribute binds
   * root too (EPERM on open for writing), so it is what makes the file truly read-only there.
   * Elsewhere plain chmod does the same.
   */
  function makeReadOnly(file: string): boolean {
    if (process.getuid?.() !== 0) {
      fs.chmodSync(file, 0o444);
      fs.chmodSync(path.dirname(file), 0o555);
      undo.push(() => {
        fs.chmodSync(path.dirname(file), 0o755);
        fs.chmodSync(file, 0o644);
      });
      return true;
    }
    try {
      execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
    } catch {
      return false;
    }
    undo.push(() => execFileSync('chattr', ['-i', file], { stdio: 'pipe' }));
    return true;
  }

  it('a read-only database: DB_READONLY names the file and what to check; nothing lost', async (ctx) => {
    const dir = tempDir();
    const file = path.join(dir, 'outbox.sqlite');
    await queue(dir, 3);
    const before = rowsHash(file);
    if (!makeReadOnly(file)) ctx.skip();
    // proof that the file really is read-only for this user, root included
    expect(() => fs.appendFileSync(file, 'x')).toThrow(/EPERM|EACCES/);
    const r = await cli(dir, 'enqueue', 'SO-000099', 'DeliveryModeCode=RO');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/outbox\.sqlite (cannot be written|cannot be opened) \(.*\)\. Check the (folder's permissions|that the folder exists and is writable)/);
    while (undo.length) undo.pop()!();
    expect(rowsHash(file)).toEqual(before);
    expect((await cli(dir, 'enqueue', 'SO-000099', 'DeliveryModeCode=RO')).code).toBe(0);
    tried.push('read-only file');
  });

  it('a full disk: DB_FULL on enqueue and on a bulk import; earlier rows intact; fine once space is back', { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const outbox = Outbox.open(databaseFile(dir));
    // No link to D365: this is about the disk, and values are queued unchecked (no $metadata limits).
    const agent = await Agent.open({ dataDir: dir, outbox, secrets: new MemorySecretStore(), queuedBy: 'tester', connect: false });
    try {
      const api = agent.api();
      for (let i = 1; i <= 20; i++) await api.enqueue({ orderNumber: `SO-${String(i).padStart(6, '0')}`, fields: { SalesOrderName: `row ${i}` } });
      const db = outbox.db;
      const snapshot = () => createHash('sha256').update(JSON.stringify(db.prepare('SELECT * FROM updates ORDER BY id').all())).digest('hex');
      // The disk "fills": this connection may not grow the file by another page.
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
      let failure: { code: string; message: string } | null = null;
      let accepted = 0;
      for (let i = 0; i < 500 && !failure; i++) {
        const before = snapshot();
        const r = await agent.invoke('enqueue', { orderNumber: `FULL-${i}`, fields: { SalesOrderName: 'y'.repeat(3900) } });
        if (r.ok) accepted++;
        else {
          failure = r.error;
          expect(snapshot(), 'a failed enqueue left a trace').toBe(before);
        }
      }
      expect(failure).toMatchObject({ code: 'DB_FULL' });
      expect(failure!.message).toMatch(/The disk holding .*outbox\.sqlite is full \(.*\)\. Free some space; queued updates are kept\./);
      const counted = db.prepare('SELECT count(*) AS n FROM updates').get() as { n: number };
      expect(counted.n).toBe(20 + accepted);
      // a bulk import is all or nothing, also when the disk fills half-way
      const before = snapshot();
      const csv = 'order,SalesOrderName\n' + Array.from({ length: 200 }, (_, i) => `BULK-${i},${'z'.repeat(3000)}`).join('\n') + '\n';
      const bulk = await agent.invoke('importCsv', { csv });
      expect(bulk).toMatchObject({ ok: false, error: { code: 'DB_FULL' } });
      expect(snapshot()).toBe(before);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // space is back
      db.pragma('max_page_count = 1073741823');
      expect(await agent.invoke('importCsv', { csv })).toMatchObject({ ok: true, value: { queued: 200 } });
      for (let i = 1; i <= 20; i++) expect(outbox.get(i)!.fields).toEqual({ SalesOrderName: `row ${i}` });
    } finally {
      await agent.close();
    }
    tried.push('disk full (enqueue)', 'disk full (bulk import)');
    writeFigures('database-faults', { faults: tried.length, names: tried });
  });
});
