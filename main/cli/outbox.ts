import os from 'node:os';
import { parseArgs } from 'node:util';
import { ApiError } from '../../core/api.ts';
import { Agent } from '../../core/agent.ts';
import { isOutboxError, type OutboxErrorCode } from '../../core/errors.ts';
import { databaseFile, defaultDataDir } from '../../core/paths.ts';
import { secretSourceFrom, type SecretSource } from '../../core/secrets.ts';
import { COMMANDS } from './commands.ts';
import { UsageError, queuedBy, type CliContext, type CliIo, type Command, type OptionsConfig, type Parsed } from './context.ts';

export type { CliIo };

const GLOBAL_OPTIONS: OptionsConfig = {
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** Refusals caused by what the person typed: exit 2. Everything else (disk, locks, bugs): exit 1. */
const INPUT_ERRORS: readonly string[] = ['BAD_INPUT', 'NOT_FOUND', 'INVALID_STATE'] satisfies OutboxErrorCode[];

function usageText(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length), 'help'.length);
  return [
    'usage: outbox [--data-dir DIR] COMMAND [ARGS]',
    '',
    'Queue Dynamics 365 sales-order updates in the local outbox.',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`),
    `  ${'help'.padEnd(width)}  show help for a command: outbox help COMMAND`,
    '',
    'options:',
    '  --data-dir DIR  where the outbox lives (default: $OUTBOX_DATA_DIR, else the app\'s per-user folder)',
    '  -h, --help      show this help',
    '',
    'exit status: 0 ok, 2 bad usage or bad input, 1 anything else',
  ].join('\n') + '\n';
}

function commandHelp(name: string, cmd: Command): string {
  return `usage: outbox ${cmd.usage}\n\n${cmd.summary}\n` + (cmd.details ? `\n${cmd.details}\n` : '');
}

/** Splits global options typed before the command from the command and its arguments. */
function splitGlobal(argv: string[]): { lead: string[]; name: string | undefined; rest: string[] } {
  const lead: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    lead.push(a);
    if (a === '--data-dir' && i + 1 < argv.length) lead.push(argv[++i]!);
    i++;
  }
  return { lead, name: argv[i], rest: argv.slice(i + 1) };
}

function parse(args: string[], options: OptionsConfig, positionals: boolean): Parsed {
  try {
    const { values, positionals: pos } = parseArgs({ args, options, allowPositionals: positionals, strict: true });
    return { values: values as Parsed['values'], positionals: pos };
  } catch (e) {
    // parseArgs says exactly what is wrong (unknown option, missing value); keep its words.
    if ((e as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS')) throw new UsageError((e as Error).message);
    throw e;
  }
}

/**
 * The `outbox` command line. Parses, calls core, prints; returns the exit code and never
 * exits the process itself, so tests run it in-process.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const out = (t: string) => void io.stdout.write(t);
  const err = (t: string) => void io.stderr.write(t);
  const { lead, name, rest } = splitGlobal(argv);
  let label = 'outbox';
  let agent: Promise<Agent> | null = null;
  let secrets: SecretSource | null = null;
  let command: Command | undefined;
  try {
    const global = parse(lead, GLOBAL_OPTIONS, false);
    if (name === undefined) {
      if (global.values.help === true) {
        out(usageText());
        return 0;
      }
      err(usageText());
      return 2;
    }
    if (name === 'help') {
      const topic = rest[0];
      if (topic === undefined) {
        out(usageText());
        return 0;
      }
      const cmd = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
      if (!cmd) {
        err(`outbox: help: unknown command ${JSON.stringify(topic)}\n\n${usageText()}`);
        return 2;
      }
      out(commandHelp(topic, cmd));
      return 0;
    }
    command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) {
      err(`outbox: unknown command ${JSON.stringify(name)}\n\n${usageText()}`);
      return 2;
    }
    label = `outbox: ${name}`;
    const args = parse(rest, { ...GLOBAL_OPTIONS, ...command.options }, true);
    if (args.values.help === true || global.values.help === true) {
      out(commandHelp(name, command));
      return 0;
    }
    const env = io.env;
    const chosen = (args.values['data-dir'] as string | undefined) ?? (global.values['data-dir'] as string | undefined) ?? (env.OUTBOX_DATA_DIR || undefined);
    const dataDir = chosen ?? defaultDataDir(env, process.platform, os.homedir());
    const file = databaseFile(dataDir);
    const ctx: CliContext = {
      command: name,
      io,
      env,
      dataDir,
      dataDirChosen: chosen !== undefined,
      databaseFile: file,
      agent() {
        agent ??= Agent.open({ dataDir, connect: false, queuedBy: queuedBy(env), defaultCompany: ctx.company(), ...ctx.secretSource() }).then(async (a) => {
          for (const notice of (await a.api().status()).notices) err(`outbox: notice: ${notice.message} (outbox notices --ack ${notice.id} once dealt with)\n`);
          return a;
        });
        return agent;
      },
      async api() {
        return (await ctx.agent()).api();
      },
      secretSource() {
        secrets ??= secretSourceFrom(env);
        return secrets;
      },
      out,
      err,
      queuedBy: () => queuedBy(env),
      company() {
        return env.OUTBOX_COMPANY && env.OUTBOX_COMPANY.trim() !== '' ? env.OUTBOX_COMPANY.trim() : undefined;
      },
    };
    return (await command.run(ctx, args)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${label}: ${e.message}\n`);
      err(command ? `usage: outbox ${command.usage}\n` : usageText());
      return 2;
    }
    // Commands that go through the AgentApi get its errors as ApiError, with the same codes.
    if (isOutboxError(e) || e instanceof ApiError) {
      err(`${label}: ${e.message}\n`);
      return INPUT_ERRORS.includes(e.code) ? 2 : 1;
    }
    err(`${label}: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    if (agent) await (await (agent as Promise<Agent>).catch(() => null))?.close();
  }
}
