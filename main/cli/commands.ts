import fs from 'node:fs';
import path from 'node:path';
import { parseDateFilter } from '../../core/conflicts/conflict-log.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../../core/conflicts/export.ts';
import { parseTimeZone } from '../../core/conflicts/time-zone.ts';
import { CSV_ENCODINGS, decodeCsv, type CsvEncoding } from '../../core/csv/decode.ts';
import { NOT_CONNECTED_NOTE } from '../../core/d365/metadata.ts';
import type { Fields, Update, UpdateState } from '../../core/outbox/types.ts';
import { UPDATE_STATES } from '../../core/outbox/types.ts';
import { checkFieldName } from '../../core/outbox/update-input.ts';
import { UsageError, flag, parseCount, parseId, str, strings, write, type CliContext, type Command, type Parsed } from './context.ts';
import { AGENT_COMMANDS } from './agent-commands.ts';
import { countsText, updateDetail, updatesTable } from './format.ts';

const MAX_LIST = 10_000;
const PAGE = 500;

/** FIELD=VALUE arguments; the value is text, as in a CSV import, and may itself contain '='. */
function assignments(args: string[], what: string): Fields {
  const fields: Fields = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError(`${what} ${JSON.stringify(a)} is not FIELD=VALUE`);
    const name = a.slice(0, eq);
    // Before the assignment below: `__proto__=x` would otherwise vanish instead of being refused.
    checkFieldName(name, `${what} field`);
    if (Object.hasOwn(fields, name)) throw new UsageError(`${what} ${name} is given twice`);
    fields[name] = a.slice(eq + 1);
  }
  return fields;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Says, on stderr, that the values were not checked against $metadata; with no connection at all the not-connected line says it already. */
function uncheckedNote(ctx: CliContext, note: string | undefined): void {
  if (note && note !== NOT_CONNECTED_NOTE) ctx.err(`outbox: ${note}\n`);
}

/** Says, on stderr, that nothing is being sent when no usable D365 connection is set. */
async function notConnected(ctx: CliContext): Promise<void> {
  const line = (await (await ctx.api()).status()).connection;
  if (line) ctx.err(`outbox: ${line}\n`);
}

const enqueue: Command = {
  usage: 'enqueue ORDER FIELD=VALUE [FIELD=VALUE…] [--base FIELD=VALUE]… [--company C]',
  summary: 'queue a change to one sales order and print its update id',
  details: [
    'Values are text, read by the field\'s type in D365\'s $metadata (kept in the outbox, so this works',
    'offline): true/false, numbers, YYYY-MM-DD dates, enum members in any case; a wrong one is refused.',
    '--base gives the value you saw before deciding (repeat it per field); D365 is',
    'checked against it so a change someone else made meanwhile is not overwritten silently.',
    'A change to an order that already has a pending update is merged into it (later values win);',
    'the id printed is then that update\'s, and a note says so on stderr.',
    'The company defaults to $OUTBOX_COMPANY, else the saved preference, else USMF.',
  ].join('\n'),
  options: { base: { type: 'string', multiple: true }, company: { type: 'string' } },
  async run(ctx, args) {
    const [order, ...rest] = args.positionals;
    if (order === undefined) throw new UsageError('the order number is missing');
    if (rest.length === 0) throw new UsageError('give at least one FIELD=VALUE to change');
    const fields = assignments(rest, 'change');
    const base = assignments(strings(args, 'base'), '--base');
    const api = await ctx.api();
    const r = await api.enqueue({
      company: str(args, 'company') ?? ctx.company(),
      orderNumber: order,
      fields,
      base: Object.keys(base).length ? base : null,
      source: 'cli',
    });
    ctx.out(`${r.id}\n`);
    if (r.coalesced) ctx.err(`outbox: merged into the earlier pending update ${r.id} of order ${JSON.stringify(order.trim())}\n`);
    if (r.behind !== undefined) ctx.err(`outbox: queued behind update ${r.behind} of order ${JSON.stringify(order.trim())}, which is being sent; this one goes out after it\n`);
    uncheckedNote(ctx, r.note);
    await notConnected(ctx);
  },
};

const importCmd: Command = {
  usage: 'import FILE.csv [--encoding utf-8|windows-1252]   (- reads standard input)',
  summary: 'queue every row of a CSV file, or none if any row is bad',
  details: [
    'Header: order,company,<field>…,base.<field>…  (company is optional).',
    'An empty cell leaves that field alone for that row. Every bad row is reported as FILE:LINE.',
    'The file must be UTF-8 (with or without BOM) unless --encoding windows-1252 says otherwise;',
    'a file in another encoding is refused naming its first unreadable line.',
  ].join('\n'),
  options: { encoding: { type: 'string' } },
  async run(ctx, args) {
    const [file, extra] = args.positionals;
    if (file === undefined) throw new UsageError('the CSV file is missing (use - for standard input)');
    if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
    const encoding = (str(args, 'encoding') ?? 'utf-8').toLowerCase();
    if (!(CSV_ENCODINGS as readonly string[]).includes(encoding)) throw new UsageError(`--encoding ${JSON.stringify(encoding)} must be one of ${CSV_ENCODINGS.join(', ')}`);
    const name = file === '-' ? '<stdin>' : file;
    let bytes: Buffer;
    try {
      bytes = file === '-' ? await readAll(ctx.io.stdin) : fs.readFileSync(file);
    } catch (e) {
      throw new UsageError(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let csv: string;
    try {
      csv = decodeCsv(bytes, encoding as CsvEncoding);
    } catch (e) {
      ctx.err(`${name}:${(e as Error).message.replace(/^line /, '')}\n`);
      ctx.err(`outbox: import: ${name} could not be read; nothing was queued\n`);
      return 2;
    }
    const api = await ctx.api();
    const preview = await api.previewImport({ csv });
    if (preview.problems.length > 0) {
      for (const p of preview.problems) ctx.err(`${name}:${p.line}: ${p.message}\n`);
      const n = preview.problems.length;
      ctx.err(`outbox: import: ${n} bad ${n === 1 ? 'row' : 'rows'} in ${name}; nothing was queued\n`);
      return 2;
    }
    const r = await api.importCsv({ csv });
    ctx.out(`queued ${r.queued} ${r.queued === 1 ? 'row' : 'rows'} from ${name}` + (r.merged ? ` (${r.merged} merged into earlier pending updates)` : '') + '\n');
    uncheckedNote(ctx, r.note);
    await notConnected(ctx);
  },
};

function parseState(value: string | undefined): UpdateState | undefined {
  if (value === undefined) return undefined;
  if (!(UPDATE_STATES as readonly string[]).includes(value)) throw new UsageError(`--state ${JSON.stringify(value)} is not one of ${UPDATE_STATES.join(', ')}`);
  return value as UpdateState;
}

const list: Command = {
  usage: 'list [--state S] [--search TEXT] [--limit N] [--json]',
  summary: 'show the most recently changed updates',
  details: [
    `States: ${UPDATE_STATES.join(', ')}. --limit defaults to 50 (at most ${MAX_LIST}).`,
    '--search finds TEXT anywhere in the order number or in a value, in any case',
    '(so-1150, 119999 and müller all find); how many match is said on stderr.',
  ].join('\n'),
  options: { state: { type: 'string' }, search: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run(ctx, args) {
    if (args.positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
    const state = parseState(str(args, 'state'));
    const limit = parseCount(str(args, 'limit') ?? '50', '--limit', MAX_LIST);
    const search = str(args, 'search');
    const api = await ctx.api();
    const items: Update[] = [];
    let after;
    let more = false;
    let matches: { count: number; more: boolean } | undefined;
    do {
      const page = await api.listUpdates({ state, search, limit: Math.min(PAGE, limit - items.length), after });
      matches ??= page.matches;
      items.push(...page.items);
      after = page.next ?? undefined;
      more = page.next !== null;
    } while (after && items.length < limit);
    if (flag(args, 'json')) ctx.out(json(items));
    else ctx.out(items.length ? updatesTable(items) : 'no updates\n');
    if (matches) ctx.err(`outbox: ${matches.more ? 'more than ' : ''}${matches.count.toLocaleString('en-US')} ${matches.count === 1 && !matches.more ? 'update matches' : 'updates match'}\n`);
    if (more) ctx.err(`outbox: showing the ${items.length} most recent; use --limit or --state for more\n`);
  },
};

const show: Command = {
  usage: 'show ID [--json]',
  summary: 'show one update with its history',
  options: { json: { type: 'boolean' } },
  async run(ctx, args) {
    const id = parseId(args.positionals[0]);
    const { update, history } = await (await ctx.api()).getUpdate({ id });
    ctx.out(flag(args, 'json') ? json({ ...update, history }) : updateDetail(update, history));
  },
};

const status: Command = {
  usage: 'status [--json]',
  summary: 'count the updates in each state',
  options: { json: { type: 'boolean' } },
  async run(ctx, args) {
    const status = await (await ctx.api()).status();
    ctx.out(flag(args, 'json') ? JSON.stringify(status.counts) + '\n' : countsText(status.counts));
    if (status.connection) ctx.err(`outbox: ${status.connection}\n`);
  },
};

function stateChange(verb: 'hold' | 'release' | 'cancel' | 'retry', summary: string): Command {
  return {
    usage: `${verb} ID`,
    summary,
    options: {},
    async run(ctx, args) {
      if (args.positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[1])}`);
      const id = parseId(args.positionals[0]);
      const u = await (await ctx.api())[verb]({ id });
      ctx.out(`update ${u.id} (${u.orderNumber}) is now ${u.state}\n`);
    },
  };
}

const conflicts: Command = {
  usage: 'conflicts export --format csv|json|xlsx [--out FILE] [--since ISO-DATE] [--until ISO-DATE] [--order TEXT] [--time-zone ZONE]',
  summary: 'export the conflict log (Excel-safe CSV, JSON, or an XLSX workbook)',
  details: [
    'Every conflict with order, company, field, base/ours/theirs, ETag, times and resolution,',
    'oldest first; the columns are named alike in every format. Without --out it goes to',
    'standard output (XLSX only when that is not a terminal). --since and --until take',
    '2026-11-22 or 2026-11-22T08:00:00Z (until is exclusive); --order finds TEXT anywhere in',
    'the order number or a value, in any case, as the conflict log screen does. XLSX dates',
    'are date cells on the clock of --time-zone (an IANA name like Europe/Berlin or an offset',
    'like +05:30; default: this computer\'s zone). A file is written whole or not at all; when',
    'nothing matches, "0 conflicts match" is said and no file is written.',
  ].join('\n'),
  options: { format: { type: 'string' }, out: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, order: { type: 'string' }, 'time-zone': { type: 'string' } },
  async run(ctx, args) {
    const [sub, extra] = args.positionals;
    if (sub !== 'export') throw new UsageError(sub === undefined ? 'say what to do: conflicts export' : `unknown conflicts command ${JSON.stringify(sub)}`);
    if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
    const format = str(args, 'format');
    const formats = EXPORT_FORMATS.join('|');
    if (!(EXPORT_FORMATS as readonly string[]).includes(format ?? '')) throw new UsageError(format === undefined ? `--format ${formats} is required` : `--format ${JSON.stringify(format)} must be one of ${EXPORT_FORMATS.join(', ')}`);
    const since = str(args, 'since');
    const until = str(args, 'until');
    const order = str(args, 'order');
    const timeZone = str(args, 'time-zone') ?? (ctx.env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone);
    const out = str(args, 'out');
    // Checked before any file exists, so a typo leaves nothing behind.
    if (since !== undefined) parseDateFilter(since, '--since');
    if (until !== undefined) parseDateFilter(until, '--until');
    try {
      parseTimeZone(timeZone);
    } catch (e) {
      throw new UsageError(`--time-zone: ${(e as Error).message}`);
    }
    if (out !== undefined) checkFolder(out);
    if (format === 'xlsx' && out === undefined && (ctx.io.stdout as { isTTY?: boolean }).isTTY) {
      throw new UsageError('an XLSX workbook is binary: give --out FILE, or send standard output to a file');
    }
    const file = await (await ctx.api()).exportConflicts({
      format: format as ExportFormat,
      timeZone,
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(order === undefined ? {} : { search: order }),
    });
    // What a killed export of this file left behind goes, whether or not this one writes.
    if (out !== undefined) removeStaleTemps(out);
    if (file.count === 0) {
      ctx.err('outbox: 0 conflicts match; nothing was written\n');
      return 0;
    }
    const bytes = Buffer.from(file.body, file.encoding === 'base64' ? 'base64' : 'utf8');
    if (out === undefined) {
      await toStdout(ctx.io.stdout, bytes);
      return 0;
    }
    await writeWhole(out, [bytes]);
    ctx.err(`outbox: ${file.count} ${file.count === 1 ? 'conflict' : 'conflicts'} written to ${out}\n`);
  },
};

/** The folder of --out must exist, whether or not anything matches: a typo is said at once. */
function checkFolder(file: string): void {
  const dir = path.dirname(path.resolve(file));
  let isFolder = false;
  try {
    isFolder = fs.statSync(dir).isDirectory();
  } catch {
    // missing: said below
  }
  if (!isFolder) throw new UsageError(`cannot write ${file}: there is no folder ${dir}`);
}

/**
 * Standard output in pieces, minding backpressure. A reader that stops early (`… | head`)
 * closes the pipe: that ends the export quietly (exit 0), not as an error.
 */
async function toStdout(stream: NodeJS.WritableStream, bytes: Buffer): Promise<void> {
  let closed = false;
  // Kept for good: a late EPIPE, after the last write returned, must not crash the process.
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closed = true;
  });
  const PIECE = 64 * 1024;
  try {
    for (let i = 0; i < bytes.length && !closed; i += PIECE) await write(stream, bytes.subarray(i, i + PIECE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE' || closed) return;
    throw e;
  }
}

/** Writes to FILE.<pid>.tmp, syncs, then renames: a reader never sees half an export. */
async function writeWhole(file: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  removeStaleTemps(file);
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    for (const chunk of chunks) fs.writeSync(fd, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'EACCES' || code === 'EPERM') throw new UsageError(`cannot write ${file}: ${(e as Error).message}`);
    throw e;
  }
}

/** What killed exports of the same file left behind (their process is gone). */
function removeStaleTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (name === `${prefix}tmp` || (m && !processAlive(Number(m[1])))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const notices: Command = {
  usage: 'notices [--ack ID]',
  summary: 'show what the agent must tell you (a damaged outbox moved aside…), or acknowledge one',
  details: 'A notice is repeated by every command until it is acknowledged with --ack ID.',
  options: { ack: { type: 'string' } },
  async run(ctx, args) {
    const api = await ctx.api();
    const ack = str(args, 'ack');
    const open = ack === undefined ? (await api.status()).notices : await api.acknowledgeNotice({ id: parseId(ack) });
    ctx.out(open.length ? open.map((n) => `${n.id}  ${new Date(n.at).toISOString()}  ${n.message}`).join('\n') + '\n' : 'no notices\n');
  },
};

/**
 * The command table. A new command is one entry: its usage, a summary for `outbox --help`,
 * its options for parseArgs, and a run function that calls core and prints.
 */
export const COMMANDS: Record<string, Command> = {
  enqueue,
  import: importCmd,
  list,
  show,
  status,
  hold: stateChange('hold', 'pause a pending update'),
  release: stateChange('release', 'let a held update be sent again'),
  cancel: stateChange('cancel', 'drop a pending or held update (kept, as failed/CANCELLED)'),
  retry: stateChange('retry', 'send a failed (or cancelled) update again'),
  conflicts,
  notices,
  ...AGENT_COMMANDS,
};

export type { Parsed };
