import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { checkUpdate } from '../../../core/outbox/update-input.ts';
import { databaseFile, defaultDataDir } from '../../../core/paths.ts';
import { runOutbox, type CliRun } from './run-cli.ts';

const BIN = fileURLToPath(new URL('../../../bin/outbox.js', import.meta.url));
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-cli-'));
  dirs.push(dir);
  return dir;
}

type Run = CliRun;
const cli = runOutbox;

/** A data dir and a runner bound to it. */
function outboxDir() {
  const dir = tempDir();
  return { dir, run: (argv: string[], options?: { env?: NodeJS.ProcessEnv; stdin?: string }) => cli(['--data-dir', dir, ...argv], options) };
}

function snapshot(dir: string) {
  const outbox = Outbox.open(databaseFile(dir));
  try {
    return { counts: outbox.counts(), rows: [...outbox.iterate()], events: outbox.db.prepare('SELECT count(*) AS n FROM update_events').get() };
  } finally {
    outbox.close();
  }
}

describe('outbox enqueue', () => {
  it('prints the new id, then notes a merge into the pending one', async () => {
    const { dir, run } = outboxDir();
    const a = await run(['enqueue', 'SO-2025-0145', 'SalesOrderStatus=Delivered', '--base', 'SalesOrderStatus=Backorder']);
    expect(a).toEqual({ code: 0, stdout: '1\n', stderr: 'outbox: Not connected to D365: 1 update waiting. Run `outbox connect …` or open Settings.\n' });
    const b = await run(['enqueue', 'SO-2025-0146', 'ShippingDate=2026-12-01', 'DeliveryModeCode=AIR', '--company', 'DEMF']);
    expect(b.stdout).toBe('2\n');
    const c = await run(['enqueue', 'SO-2025-0145', 'DeliveryModeCode=TRUCK', 'Note=a=b']);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('1\n');
    expect(c.stderr).toMatch(/merged into the earlier pending update 1/);
    const outbox = Outbox.open(databaseFile(dir));
    try {
      expect(outbox.get(1)).toMatchObject({
        company: 'USMF',
        fields: { SalesOrderStatus: 'Delivered', DeliveryModeCode: 'TRUCK', Note: 'a=b' },
        base: { SalesOrderStatus: 'Backorder' },
        source: 'cli',
        queuedBy: 'tester@desk',
      });
      expect(outbox.get(2)).toMatchObject({ company: 'DEMF', fields: { ShippingDate: '2026-12-01', DeliveryModeCode: 'AIR' } });
    } finally {
      outbox.close();
    }
  });

  it('takes the company from OUTBOX_COMPANY', async () => {
    const { run } = outboxDir();
    await run(['enqueue', 'SO-1', 'A=1'], { env: { OUTBOX_COMPANY: 'GBSI' } });
    const shown = JSON.parse((await run(['show', '1', '--json'])).stdout) as { company: string };
    expect(shown.company).toBe('GBSI');
  });

  it('keeps odd order numbers exactly', async () => {
    const { run } = outboxDir();
    const odd = ["O'Brien", "SO-1') or true or ('", 'SO/2025/0145', 'SO#12', 'SO 12 A', 'Ünïcødé', '-SO-dash'];
    for (const [i, o] of odd.entries()) {
      const argv = o.startsWith('-') ? ['enqueue', '--', o, 'SalesOrderStatus=Delivered'] : ['enqueue', o, 'SalesOrderStatus=Delivered'];
      expect((await run(argv)).stdout).toBe(`${i + 1}\n`);
    }
    const listed = JSON.parse((await run(['list', '--json'])).stdout) as { orderNumber: string }[];
    expect(listed.map((u) => u.orderNumber).sort()).toEqual([...odd].sort());
    for (const [i, o] of odd.entries()) {
      expect((JSON.parse((await run(['show', String(i + 1), '--json'])).stdout) as { orderNumber: string }).orderNumber).toBe(o);
    }
    expect((await run(['list'])).stdout).toContain("SO-1') or true or ('");
  });

  it('names an invalid field and exits 2, queuing nothing', async () => {
    const { dir, run } = outboxDir();
    const r = await run(['enqueue', 'SO-1', 'Foo Bar=1']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^outbox: enqueue: .*field "Foo Bar" is not a valid D365 field name/);
    expect(snapshot(dir).counts.pending).toBe(0);
  });

  it('refuses malformed arguments with the usage line', async () => {
    const { run } = outboxDir();
    for (const argv of [['enqueue'], ['enqueue', 'SO-1'], ['enqueue', 'SO-1', 'NoEquals'], ['enqueue', 'SO-1', '=x'], ['enqueue', 'SO-1', 'A=1', 'A=2'], ['enqueue', 'SO-1', 'A=1', '--bogus']]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^outbox: enqueue: /);
      expect(r.stderr).toContain('usage: outbox enqueue ORDER FIELD=VALUE');
    }
    const r = await run(['enqueue', 'SO-1', 'A=1', '--base', 'B=2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/base value given for B/);
  });
});

describe('outbox import', () => {
  const GOOD = 'order,company,SalesOrderStatus,base.SalesOrderStatus\r\nSO-1,USMF,Delivered,Backorder\r\n"SO,2",DEMF,Picked,\r\nSO-1,,Invoiced,\r\n';

  it('queues a good file and says how many merged', async () => {
    const { dir, run } = outboxDir();
    const file = path.join(dir, 'orders.csv');
    fs.writeFileSync(file, GOOD);
    const r = await run(['import', file]);
    expect(r).toMatchObject({ code: 0, stderr: 'outbox: Not connected to D365: 2 updates waiting. Run `outbox connect …` or open Settings.\n' });
    expect(r.stdout).toBe(`queued 3 rows from ${file} (1 merged into earlier pending updates)\n`);
    const s = snapshot(dir);
    expect(s.counts.pending).toBe(2);
    expect(s.rows.map((u) => [u.orderNumber, u.company, u.source, u.fields])).toEqual([
      ['SO-1', 'USMF', 'csv', { SalesOrderStatus: 'Invoiced' }],
      ['SO,2', 'DEMF', 'csv', { SalesOrderStatus: 'Picked' }],
    ]);
  });

  it('reads standard input for -', async () => {
    const { dir, run } = outboxDir();
    const r = await run(['import', '-'], { stdin: GOOD });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^queued 3 rows from <stdin>/);
    expect(snapshot(dir).counts.pending).toBe(2);
  });

  it('reports every bad row as FILE:LINE, exits 2 and leaves the outbox unchanged', async () => {
    const { dir, run } = outboxDir();
    await run(['enqueue', 'SO-0', 'SalesOrderStatus=Open']);
    const before = snapshot(dir);
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, 'order,SalesOrderStatus\nSO-1,Delivered\n,Delivered\n"SO-3\nsplit",Delivered\nSO-4\nSO-5,Delivered\n');
    const r = await run(['import', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:3: order number is empty\n`);
    // an order number is one line: the quoted one spanning lines 4–5 is refused too
    expect(r.stderr).toContain(`${file}:4: order number "SO-3\\nsplit" contains a control character\n`);
    expect(r.stderr).toContain(`${file}:6: expected 2 cells like the header, found 1\n`);
    expect(r.stderr).toMatch(/3 bad rows in .*nothing was queued/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a missing file is bad input', async () => {
    const { dir, run } = outboxDir();
    const r = await run(['import', path.join(dir, 'nope.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*nope\.csv: ENOENT/);
  });
});

describe('outbox list, show, status', () => {
  it('prints JSON and readable forms', async () => {
    const { run } = outboxDir();
    for (let i = 1; i <= 5; i++) await run(['enqueue', `SO-${i}`, `SalesOrderStatus=S${i}`]);
    await run(['hold', '2']);
    expect(JSON.parse((await run(['status', '--json'])).stdout)).toEqual({ pending: 4, sending: 0, done: 0, conflict: 0, failed: 0, held: 1 });
    expect((await run(['status'])).stdout).toMatch(/^STATE\s+COUNT\npending\s+4\n/);

    const all = JSON.parse((await run(['list', '--json'])).stdout) as { id: number }[];
    expect(all.map((u) => u.id).sort()).toEqual([1, 2, 3, 4, 5]);
    const held = JSON.parse((await run(['list', '--state', 'held', '--json'])).stdout) as { id: number; state: string }[];
    expect(held).toEqual([expect.objectContaining({ id: 2, state: 'held' })]);
    const two = await run(['list', '--limit', '2', '--json']);
    expect(JSON.parse(two.stdout)).toHaveLength(2);
    expect(two.stderr).toMatch(/use --limit/);
    const table = (await run(['list'])).stdout.split('\n');
    expect(table[0]).toMatch(/^ID\s+STATE\s+COMPANY\s+ORDER\s+UPDATED\s+FIELDS$/);
    expect(table.filter((l) => /SO-\d/.test(l))).toHaveLength(5);
    expect((await run(['list', '--state', 'done'])).stdout).toBe('no updates\n');
    expect((await run(['list', '--state', 'bogus'])).code).toBe(2);
    expect((await run(['list', '--limit', '0'])).code).toBe(2);

    const shown = JSON.parse((await run(['show', '2', '--json'])).stdout) as { id: number; state: string; history: { kind: string }[] };
    expect(shown).toMatchObject({ id: 2, state: 'held', orderNumber: 'SO-2' });
    expect(shown.history.map((h) => h.kind)).toEqual(['queued', 'held']);
    const text = (await run(['show', '2'])).stdout;
    expect(text).toMatch(/^update 2\n/);
    expect(text).toMatch(/history\n.*queued.*\n.*held.*"by":"tester@desk"/);
  });

  it('show of a missing id and a malformed id exit 2', async () => {
    const { run } = outboxDir();
    expect(await run(['show', '99'])).toMatchObject({ code: 2, stderr: 'outbox: show: No update with id 99\n' });
    expect((await run(['show', 'abc'])).code).toBe(2);
    expect((await run(['show'])).code).toBe(2);
  });
});

describe('outbox hold, release, cancel', () => {
  it('moves updates and refuses what the state does not allow', async () => {
    const { dir, run } = outboxDir();
    await run(['enqueue', 'SO-1', 'A=1']);
    expect(await run(['hold', '1'])).toEqual({ code: 0, stdout: 'update 1 (SO-1) is now held\n', stderr: '' });
    const again = await run(['hold', '1']);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('outbox: hold: Update 1 is held; this needs it to be pending\n');
    expect((await run(['release', '1'])).stdout).toBe('update 1 (SO-1) is now pending\n');
    expect((await run(['release', '1'])).code).toBe(2);
    expect((await run(['cancel', '1'])).stdout).toBe('update 1 (SO-1) is now failed\n');
    expect((await run(['cancel', '7'])).stderr).toBe('outbox: cancel: No update with id 7\n');
    expect((await run(['cancel', '7'])).code).toBe(2);

    // a done update cannot be cancelled
    await run(['enqueue', 'SO-2', 'A=1']);
    const outbox = Outbox.open(databaseFile(dir));
    outbox.claim(2);
    outbox.markDone(2, {});
    outbox.close();
    const r = await run(['cancel', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Update 2 is done; this needs it to be pending or held/);
    expect(JSON.parse((await run(['show', '2', '--json'])).stdout)).toMatchObject({ state: 'done' });
  });
});

describe('outbox conflicts export', () => {
  function withConflict(dir: string) {
    const outbox = Outbox.open(databaseFile(dir));
    try {
      const { id } = outbox.enqueue(checkUpdate({ company: 'USMF', orderNumber: "O'Brien/#1", fields: { Note: '=HYPERLINK("http://x","y")' }, source: 'cli', queuedBy: 'me' }));
      outbox.claim(id);
      outbox.markConflict(id, [{ field: 'Note', base: '@old', ours: '=HYPERLINK("http://x","y")', theirs: '+theirs' }], 'W/"abc"');
    } finally {
      outbox.close();
    }
  }

  it('writes an Excel-safe CSV file, whole', async () => {
    const { dir, run } = outboxDir();
    withConflict(dir);
    const out = path.join(dir, 'conflicts.csv');
    const r = await run(['conflicts', 'export', '--format', 'csv', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const csv = fs.readFileSync(out, 'utf8');
    expect(csv.startsWith('\ufeffid,updateId,profile,company,orderNumber,field,base,ours,theirs,etag,detectedAt,resolution,resolvedAt,resolvedBy\r\n')).toBe(true);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csv).toContain(`'+theirs`);
    expect(csv).toContain(`'@old`);
    expect(csv).toContain("O'Brien/#1");
    expect(csv).not.toMatch(/(^|,)[=+\-@]/m);
    expect(fs.existsSync(`${out}.tmp`)).toBe(false);
  });

  it('writes JSON to stdout and filters by --since', async () => {
    const { dir, run } = outboxDir();
    withConflict(dir);
    const all = JSON.parse((await run(['conflicts', 'export', '--format', 'json'])).stdout) as { ours: string; orderNumber: string }[];
    expect(all).toEqual([expect.objectContaining({ ours: '=HYPERLINK("http://x","y")', orderNumber: "O'Brien/#1", theirs: '+theirs' })]);
    // nothing matching writes nothing, and says so (see conflicts-export.test.ts)
    expect(await run(['conflicts', 'export', '--format', 'json', '--since', '2999-01-01'])).toEqual({ code: 0, stdout: '', stderr: 'outbox: 0 conflicts match; nothing was written\n' });
  });

  it('refuses bad arguments without leaving a file', async () => {
    const { dir, run } = outboxDir();
    const out = path.join(dir, 'x.csv');
    for (const argv of [
      ['conflicts'],
      ['conflicts', 'import'],
      ['conflicts', 'export'],
      ['conflicts', 'export', '--format', 'xml'],
      ['conflicts', 'export', '--format', 'csv', '--out', out, '--since', 'last week'],
      ['conflicts', 'export', '--format', 'csv', '--out', path.join(dir, 'no', 'such', 'dir.csv')],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^outbox: conflicts: /);
    }
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.csv') || n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('data directory', () => {
  it('--data-dir before or after the command, and OUTBOX_DATA_DIR', async () => {
    const a = tempDir();
    const b = tempDir();
    expect((await cli(['--data-dir', a, 'enqueue', 'SO-A', 'X=1'])).code).toBe(0);
    expect((await cli(['enqueue', 'SO-B', 'X=1', '--data-dir', b])).code).toBe(0);
    expect((await cli(['enqueue', 'SO-B2', 'X=1'], { env: { OUTBOX_DATA_DIR: b } })).code).toBe(0);
    // the flag beats the environment
    expect((await cli(['--data-dir', a, 'status', '--json'], { env: { OUTBOX_DATA_DIR: b } })).stdout).toContain('"pending":1');
    expect(fs.existsSync(path.join(a, 'outbox.sqlite'))).toBe(true);
    expect(JSON.parse((await cli(['status', '--json'], { env: { OUTBOX_DATA_DIR: b } })).stdout).pending).toBe(2);
  });

  it('defaults to the folder Electron uses for "Outbox Agent"', async () => {
    const xdg = tempDir();
    const r = await cli(['enqueue', 'SO-1', 'X=1'], { env: { XDG_CONFIG_HOME: xdg } });
    if (process.platform === 'linux') {
      expect(r.code).toBe(0);
      expect(fs.existsSync(path.join(xdg, 'Outbox Agent', 'outbox.sqlite'))).toBe(true);
    }
  });

  it('defaultDataDir follows Electron on each platform', () => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', '/home/ann')).toBe('/x/cfg/Outbox Agent');
    expect(defaultDataDir({}, 'linux', '/home/ann')).toBe('/home/ann/.config/Outbox Agent');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '' }, 'freebsd', '/home/ann')).toBe('/home/ann/.config/Outbox Agent');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/ignored' }, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Application Support/Outbox Agent');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\AppData\\Roaming\\Outbox Agent');
    expect(defaultDataDir({}, 'win32', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\AppData\\Roaming\\Outbox Agent');
  });
});

describe('usage and failures', () => {
  it('help', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^usage: outbox \[--data-dir DIR\] COMMAND/);
    for (const name of ['enqueue', 'import', 'list', 'show', 'status', 'hold', 'release', 'cancel', 'conflicts']) expect(top.stdout).toMatch(new RegExp(`\\n  ${name}\\s`));
    expect((await cli(['help'])).stdout).toBe(top.stdout);
    expect((await cli(['help', 'import'])).stdout).toMatch(/^usage: outbox import FILE\.csv/);
    expect((await cli(['list', '--help'])).stdout).toMatch(/^usage: outbox list /);
    expect((await cli(['help', 'nope'])).code).toBe(2);
  });

  it('an unknown command or no command exits 2 with the usage', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^outbox: unknown command "frobnicate"\n\nusage: outbox/);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^usage: outbox/);
    expect((await cli(['--bogus', 'status'])).code).toBe(2);
    expect((await cli(['--data-dir'])).code).toBe(2);
  });

  it('a database from a newer version: exit 1, a clear message, the file untouched', async () => {
    const dir = tempDir();
    const file = databaseFile(dir);
    const raw = new BetterSqlite3(file);
    raw.exec('CREATE TABLE future (x INTEGER)');
    raw.pragma('user_version = 999');
    raw.close();
    const before = fs.readFileSync(file);
    const r = await cli(['--data-dir', dir, 'enqueue', 'SO-1', 'A=1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^outbox: enqueue: .*outbox\.sqlite was written by a newer Outbox Agent \(schema 999; .*left untouched/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['outbox.sqlite']);
  });

  it('a locked database exits 1 with the lock message', async () => {
    const dir = tempDir();
    Outbox.open(databaseFile(dir)).close();
    const other = new BetterSqlite3(databaseFile(dir));
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN EXCLUSIVE');
    try {
      const started = Date.now();
      const r = await cli(['--data-dir', dir, 'enqueue', 'SO-1', 'A=1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/locked by another process/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('a corrupt database is moved aside and the person is told', async () => {
    const dir = tempDir();
    fs.writeFileSync(databaseFile(dir), 'not a database at all'.repeat(300));
    const r = await cli(['--data-dir', dir, 'status', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^outbox: notice: .*moved aside/);
    expect(JSON.parse(r.stdout).pending).toBe(0);
    expect(fs.readdirSync(dir).some((n) => n.startsWith('outbox.sqlite.corrupt-'))).toBe(true);
  });
});

describe('bin/outbox.js', () => {
  function spawnCli(argv: string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        process.execPath,
        [BIN, ...argv],
        { env: { PATH: process.env.PATH, HOME: process.env.HOME, OUTBOX_USER: 'spawned@test', ...env }, timeout: 20_000 },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') reject(error);
          else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
        },
      );
      child.stdin?.end(stdin ?? '');
    });
  }

  it('is executable and runs as a real process with real exit codes', async () => {
    expect(fs.statSync(BIN).mode & 0o111).not.toBe(0);
    expect(fs.readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const dir = tempDir();
    const env = { OUTBOX_DATA_DIR: dir };
    expect(await spawnCli(['enqueue', 'Ünïcødé #1', 'SalesOrderStatus=Delivered'], env)).toEqual({ code: 0, stdout: '1\n', stderr: 'outbox: Not connected to D365: 1 update waiting. Run `outbox connect …` or open Settings.\n' });
    const imported = await spawnCli(['import', '-'], env, 'order,SalesOrderStatus\nSO-9,Picked\n');
    expect(imported).toMatchObject({ code: 0, stdout: 'queued 1 row from <stdin>\n' });
    expect(JSON.parse((await spawnCli(['status', '--json'], env)).stdout)).toEqual({ pending: 2, sending: 0, done: 0, conflict: 0, failed: 0, held: 0 });
    const bad = await spawnCli(['enqueue', 'SO-1', 'Foo Bar=1'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/field "Foo Bar" is not a valid D365 field name/);
    expect((await spawnCli(['nope'], env)).code).toBe(2);
    const shown = JSON.parse((await spawnCli(['show', '1', '--json'], env)).stdout) as { orderNumber: string; queuedBy: string };
    expect(shown).toMatchObject({ orderNumber: 'Ünïcødé #1', queuedBy: 'spawned@test' });
  });
});
