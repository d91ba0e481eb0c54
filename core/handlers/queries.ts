/** The contract's queries: what is queued, the conflict log, metrics, orders read from D365. */
import type { AgentHandlers, AgentStatus, ApiArgs, ApiOutputs, OrderLookup } from '../api.ts';
import { iterateConflicts, parseDateFilter } from '../conflicts/conflict-log.ts';
import { CONTENT_TYPES, exportConflicts } from '../conflicts/export.ts';
import { parseTimeZone } from '../conflicts/time-zone.ts';
import { CONNECT_HINT } from '../connection.ts';
import { isD365Error } from '../d365/errors.ts';
import { OutboxError, badInput } from '../errors.ts';
import { company, type AgentParts } from './parts.ts';

/** "Not connected to D365: 3 updates waiting. Run `outbox connect …` or open Settings." */
function notConnectedLine(p: AgentParts): string | null {
  if (p.opts.demo !== undefined) return null;
  const stored = p.settings.stored();
  const state = p.link.state;
  // Without a link (the CLI's queue commands) a valid stored connection is all that can be known.
  if (stored.kind === 'valid' && (state.kind !== 'not-connected' || p.opts.connect === false)) return null;
  const c = p.outbox.counts();
  const waiting = c.pending + c.sending;
  const why = stored.kind === 'invalid' ? ` ${stored.problem}` : state.kind === 'not-connected' && stored.kind === 'valid' ? ` ${state.reason}` : ` ${CONNECT_HINT}`;
  return `Not connected to D365: ${waiting} ${waiting === 1 ? 'update' : 'updates'} waiting.${why}`;
}

/** status, listUpdates, getUpdate, listConflicts, exportConflicts, metrics, lookupOrder(s), fieldCatalog */
export function queryHandlers(p: AgentParts) {
  return {
    async status(): Promise<AgentStatus> {
      const state = p.link.state;
      const stored = p.settings.stored();
      const unlinked = p.opts.connect === false && stored.kind === 'valid';
      return {
        counts: p.outbox.counts(),
        mode: state.kind === 'demo' ? 'demo' : state.kind === 'connected' || unlinked ? 'd365' : 'not-connected',
        target: state.kind !== 'not-connected' ? state.target : unlinked ? stored.connection.environmentUrl : '',
        connection: notConnectedLine(p),
        company: company(p, undefined),
        drain: p.drainer.status(),
        notices: p.outbox.notices(),
        failedNeedingLook: p.outbox.failedNeedingLook(),
      };
    },

    async listUpdates(args: ApiArgs<'listUpdates'>): Promise<ApiOutputs['listUpdates']> {
      return p.outbox.page(args);
    },

    async getUpdate(args: ApiArgs<'getUpdate'>): Promise<ApiOutputs['getUpdate']> {
      const update = p.outbox.get(args.id);
      if (!update) throw new OutboxError('NOT_FOUND', `No update with id ${args.id}`);
      const conflicts = [...iterateConflicts(p.outbox.db, { updateId: args.id })];
      return { update, history: p.outbox.history(args.id), conflicts };
    },

    /** Newest first: the latest `limit` conflicts. */
    async listConflicts(args: ApiArgs<'listConflicts'>): Promise<ApiOutputs['listConflicts']> {
      return [...iterateConflicts(p.outbox.db, { ...args, newestFirst: true })];
    },

    /** XLSX travels as base64 (IPC and HTTP carry text); nothing matching is count 0 and no body. */
    async exportConflicts(args: ApiArgs<'exportConflicts'>): Promise<ApiOutputs['exportConflicts']> {
      const now = (p.opts.now ?? Date.now)();
      const file = await exportConflicts(p.outbox.db, args.format, args, { timeZone: args.timeZone, now });
      const stamp = new Date(parseTimeZone(args.timeZone).wallClock(now)).toISOString().slice(0, 10);
      const binary = args.format === 'xlsx';
      return {
        filename: `outbox-conflicts-${stamp}.${args.format}`,
        contentType: CONTENT_TYPES[args.format],
        body: file.body.toString(binary ? 'base64' : 'utf8'),
        encoding: binary ? 'base64' : 'utf-8',
        count: file.count,
      };
    },

    async metrics(args: ApiArgs<'metrics'>): Promise<ApiOutputs['metrics']> {
      return p.metrics.snapshot({
        since: args.since === undefined ? undefined : parseDateFilter(args.since, 'since'),
        until: args.until === undefined ? undefined : parseDateFilter(args.until, 'until'),
      });
    },

    async lookupOrder(args: ApiArgs<'lookupOrder'>): Promise<OrderLookup> {
      const client = p.link.client;
      if (!client) return { online: false, message: 'Not connected to D365; the update will be queued without a base.' };
      try {
        const snap = await client.getOrder({ company: company(p, args.company), orderNumber: args.orderNumber.trim() }, args.fields);
        return { online: true, values: snap.values, etag: snap.etag };
      } catch (e) {
        if (isD365Error(e) && e.code === 'NOT_FOUND') throw new OutboxError('NOT_FOUND', e.message);
        if (isD365Error(e) && e.code === 'VALIDATION') throw badInput(e.message);
        return { online: false, message: `${e instanceof Error ? e.message : String(e)} — the update will be queued without a base.` };
      }
    },

    async lookupOrders(args: ApiArgs<'lookupOrders'>): Promise<ApiOutputs['lookupOrders']> {
      const client = p.link.client;
      if (!client) return { online: false, message: 'Not connected to D365; updates will be queued without a base.' };
      const companyId = company(p, args.company);
      const keys = args.orderNumbers.map((n) => ({ company: companyId, orderNumber: n.trim() }));
      try {
        const reads = await client.readOrders(keys, keys.map(() => args.fields));
        return {
          online: true,
          orders: reads.map((r, i) =>
            isD365Error(r) ? { orderNumber: keys[i]!.orderNumber, error: { code: r.code, message: r.message } } : { orderNumber: keys[i]!.orderNumber, values: r.values, etag: r.etag },
          ),
        };
      } catch (e) {
        return { online: false, message: `${e instanceof Error ? e.message : String(e)} — updates will be queued without a base.` };
      }
    },

    async fieldCatalog(): Promise<ApiOutputs['fieldCatalog']> {
      return (await p.link.catalog?.view()) ?? null;
    },
  } satisfies Partial<AgentHandlers>;
}
