import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Agent, demoFolder } from '../../core/agent.ts';
import type { StampedEvent } from '../../core/events.ts';
import { MemorySecretStore } from '../../core/secrets.ts';
import { DEFAULT_AUTHORITY } from '../../core/settings.ts';
import { UsageError, flag, str, type CliContext, type Command } from './context.ts';
import { countsText } from './format.ts';

/** The agent with its D365 link; says where the secret comes from when it is the environment. */
export async function openAgent(ctx: CliContext): Promise<Agent> {
  const source = ctx.secretSource();
  if (source.envSecret) ctx.err('outbox: using the client secret from OUTBOX_CLIENT_SECRET (not the OS keychain)\n');
  return Agent.open({ dataDir: ctx.dataDir, queuedBy: ctx.queuedBy(), defaultCompany: ctx.company(), ...source });
}

/** One readable line per event, for the terminal. */
export function eventLine(e: StampedEvent): string | null {
  const order = 'orderNumber' in e ? `${e.orderNumber} (${e.company})` : '';
  switch (e.type) {
    case 'done':
      return `done      #${e.id} ${order}${e.alreadyApplied ? ' — already applied' : ''}`;
    case 'conflict':
      return `CONFLICT  #${e.id} ${order}: ${e.fields.map((f) => `${f.field} base=${JSON.stringify(f.base)} ours=${JSON.stringify(f.ours)} theirs=${JSON.stringify(f.theirs)}`).join('; ')}`;
    case 'failed':
      return `failed    #${e.id} ${order}: ${e.error.message}`;
    case 'retrying':
      return `retrying  #${e.id} try ${e.attempt + 1} in ${e.delayMs} ms (the order changed in D365 meanwhile)`;
    case 'deferred':
      return e.error ? `later     #${e.id}: ${e.error.message}` : null;
    case 'paused':
      return `paused    ${e.reason}${e.until ? ` until ${new Date(e.until).toISOString()}` : ''}: ${e.message}`;
    case 'long-pause':
      return `ALERT     sending has been held since ${new Date(e.since).toISOString()} (${e.reason})${e.until ? `; it resumes by itself at ${new Date(e.until).toISOString()}` : '; it waits for you'}: ${e.message}`;
    case 'resumed':
      return 'resumed';
    default:
      return null;
  }
}

async function readSecret(ctx: CliContext, fromStdin: boolean): Promise<string> {
  const stdin = ctx.io.stdin as NodeJS.ReadStream;
  if (fromStdin || !stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  // Prompt without echo: the secret never appears on screen or in scrollback.
  ctx.err('Client secret: ');
  const rl = readline.createInterface({ input: stdin, terminal: true });
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  const secret = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  ctx.err('\n');
  return secret;
}

const connect: Command = {
  usage: 'connect --url ENV_URL --tenant T --client-id ID [--authority URL] [--company C] [--profile fo|bc|dataverse] [--service-root URL] [--secret-stdin]',
  summary: 'configure the D365 environment; the client secret goes to the OS keychain',
  details: [
    'The secret is read from standard input with --secret-stdin, else prompted for without echo.',
    'It is stored in the OS keychain, never in the outbox database or logs. A headless site without',
    'a keychain may set OUTBOX_CLIENT_SECRET instead (then nothing is stored).',
    '--profile fo (default): Finance & Operations SalesOrderHeadersV2. bc: Business Central salesOrders',
    '(then --company is the company id and --service-root the API root with tenant and environment).',
    'dataverse: Dynamics 365 Sales salesorders on the Web API v9.2 (--url https://<org>.crm.dynamics.com).',
  ].join('\n'),
  options: {
    url: { type: 'string' },
    tenant: { type: 'string' },
    'client-id': { type: 'string' },
    authority: { type: 'string' },
    company: { type: 'string' },
    profile: { type: 'string' },
    'service-root': { type: 'string' },
    'secret-stdin': { type: 'boolean' },
  },
  async run(ctx, args) {
    const url = str(args, 'url');
    const tenant = str(args, 'tenant');
    const clientId = str(args, 'client-id');
    if (!url || !tenant || !clientId) throw new UsageError('--url, --tenant and --client-id are required');
    const profile = str(args, 'profile') ?? 'fo';
    if (profile !== 'fo' && profile !== 'bc' && profile !== 'dataverse') throw new UsageError(`--profile ${JSON.stringify(profile)} must be fo, bc or dataverse`);
    const envSecret = ctx.secretSource().envSecret;
    const usingEnv = envSecret !== undefined;
    const secret = usingEnv ? envSecret : await readSecret(ctx, flag(args, 'secret-stdin'));
    if (!secret) throw new UsageError('the client secret is empty');
    const agent = await openAgent(ctx);
    try {
      const company = str(args, 'company');
      await agent.api().saveSettings({
        connection: {
          profile,
          environmentUrl: url,
          tenant,
          clientId,
          authorityUrl: str(args, 'authority') ?? DEFAULT_AUTHORITY,
          serviceRoot: str(args, 'service-root'),
        },
        secret,
        preferences: company ? { defaultCompany: company } : undefined,
      });
      const test = await agent.api().testConnection();
      ctx.out(`connected: ${url} (${profile}), tenant ${tenant}, client ${clientId}${usingEnv ? '' : '; secret stored in the OS keychain'}\n`);
      ctx.out(test.ok ? `test: ${test.message}\n` : `test failed (settings kept; draining will retry): ${test.message}\n`);
      return test.ok ? 0 : 1;
    } finally {
      await agent.close();
    }
  },
};

const drain: Command = {
  usage: 'drain [--until-idle]',
  summary: 'send queued updates to D365 in the foreground, printing progress',
  details: [
    'With --until-idle it exits when nothing due is left (waiting out throttling and outages),',
    'printing done/conflict/failed counts; otherwise it drains until interrupted (Ctrl-C).',
    'With no usable D365 connection it sends nothing, says so and exits 1: run `outbox connect` first.',
  ].join('\n'),
  options: { 'until-idle': { type: 'boolean' } },
  async run(ctx, args) {
    const agent = await openAgent(ctx);
    const off = agent.subscribe((e) => {
      const line = eventLine(e);
      if (line) ctx.out(line + '\n');
    });
    try {
      const api = agent.api();
      const status = await api.status();
      if (status.connection) {
        ctx.err(`outbox: ${status.connection}\n`);
        return 1;
      }
      if (flag(args, 'until-idle')) {
        const s = await agent.drainUntilIdle();
        const after = await api.status();
        ctx.out(`summary: ${s.done} done, ${s.conflict} conflict, ${s.failed} failed, ${s.deferred} deferred\n`);
        ctx.out(`${countsText(after.counts)}\n`);
        if (s.stoppedBecause) {
          ctx.err(`outbox: stopped: ${after.drain.paused?.message ?? s.stoppedBecause}\n`);
          return 1;
        }
        return 0;
      }
      agent.start();
      await untilInterrupted();
      return 0;
    } finally {
      off();
      await agent.close();
    }
  },
};

/** Until Ctrl-C or SIGTERM. A ref'd timer keeps the process alive: signal handlers alone do not. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const alive = setInterval(() => {}, 60_000);
    const done = () => {
      clearInterval(alive);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export const DEMO_ORDERS = 12;

const demo: Command = {
  usage: 'demo [--orders N] [--seed N]',
  summary: 'watch the whole loop: queue orders and drain them against a simulator with other writers',
  details: [
    'Starts the embedded D365 simulator with background writers (other users touching the same',
    'orders), queues updates and drains them, printing retries, conflicts and the outcome.',
    'Its outbox is its own: a fresh temporary folder, or DIR/demo with --data-dir DIR (never the real queue).',
  ].join('\n'),
  options: { orders: { type: 'string' }, seed: { type: 'string' } },
  async run(ctx, args) {
    const n = Number(str(args, 'orders') ?? DEMO_ORDERS);
    const seed = Number(str(args, 'seed') ?? 7);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError('--orders must be a whole number from 1 to 10000');
    if (!Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
    const dataDir = ctx.dataDirChosen ? demoFolder(ctx.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-demo-'));
    const agent = await Agent.open({
      dataDir,
      queuedBy: ctx.queuedBy(),
      secrets: new MemorySecretStore(),
      demo: { seed, orders: Math.max(100, n), latencyMs: 20, writers: { onRequest: 0.3, sameFieldProbability: 0.5 } },
      drainer: { retry: { retryLimit: 3, backoffMs: [100, 300, 800], jitter: 0.25 } },
    });
    const off = agent.subscribe((e) => {
      const line = eventLine(e);
      if (line) ctx.out(line + '\n');
    });
    try {
      const status = await agent.api().status();
      ctx.out(`simulator: ${status.target} (seed ${seed}); queuing ${n} updates…\n`);
      const modes = ['10', '20', '30', 'AIR', 'TRUCK'];
      for (let i = 1; i <= n; i++) {
        const orderNumber = `SO-${String(i).padStart(6, '0')}`;
        await agent.api().enqueue({ orderNumber, fields: { DeliveryModeCode: modes[i % modes.length]!, RequestedShippingDate: `2027-01-${String((i % 28) + 1).padStart(2, '0')}T12:00:00Z` } });
      }
      const s = await agent.drainUntilIdle();
      ctx.out(`\nsummary: ${s.done} done, ${s.conflict} conflict (waiting for a person), ${s.failed} failed\n`);
      ctx.out(`metrics: ${JSON.stringify((({ totals, retriesPerSuccess }) => ({ ...totals, retriesPerSuccess: Number(retriesPerSuccess.toFixed(2)) }))(await agent.api().metrics()))}\n`);
      ctx.out(`outbox kept in ${dataDir}\n  try: outbox --data-dir ${JSON.stringify(dataDir)} conflicts export --format csv\n`);
      return 0;
    } finally {
      off();
      await agent.close();
    }
  },
};

const serveCmd: Command = {
  usage: 'serve [--port N] [--host H] [--demo]',
  summary: 'run the agent headless with its UI over HTTP on 127.0.0.1 (prints the URL with its access token)',
  details: [
    'For sites without a desktop. The URL printed carries a random access token; every API call',
    'needs it. --host other than 127.0.0.1 makes the agent reachable from the network (warned).',
    '--demo runs against the embedded simulator with other users writing, so conflicts arrive.',
  ].join('\n'),
  options: { port: { type: 'string' }, host: { type: 'string' }, demo: { type: 'boolean' } },
  async run(ctx, args) {
    const portText = str(args, 'port') ?? '0';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port ${JSON.stringify(portText)} must be a port number (0 = any free port)`);
    const { serve } = await import('../server/serve.ts');
    const running = await serve({
      dataDir: ctx.dataDir,
      port,
      host: str(args, 'host'),
      demo: flag(args, 'demo'),
      env: ctx.env,
      log: (line) => ctx.err(line + '\n'),
    });
    ctx.out(`Outbox Agent is running at ${running.url}\n`);
    await untilInterrupted();
    await running.close();
    return 0;
  },
};

export const AGENT_COMMANDS: Record<string, Command> = { connect, drain, demo, serve: serveCmd };
