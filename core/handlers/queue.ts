/** The contract's commands on the queue: enqueue, hold, release, cancel and undo, retry, requeue, resolve, the drain. */
import type { AgentHandlers, ApiArgs, ApiOutputs } from '../api.ts';
import { typeFields } from '../d365/edm-values.ts';
import { OutboxError, badInput } from '../errors.ts';
import type { ChangeAction } from '../events.ts';
import type { Update } from '../outbox/types.ts';
import { checkUpdate } from '../outbox/update-input.ts';
import { company, entityModel, errorData, typedUpdate, type AgentParts } from './parts.ts';

/** Every change is an event after it is recorded, and the drainer is woken where it has work. */
export function queueHandlers(p: AgentParts) {
  /** A person's change, recorded: tell listeners, and wake the drainer where it now has work. */
  const changed = (u: Update, action: ChangeAction, wake = true): Update => {
    p.events.emit({ type: 'changed', id: u.id, action });
    if (wake) p.drainer.wake();
    return u;
  };
  return {
    async enqueue(args: ApiArgs<'enqueue'>): Promise<ApiOutputs['enqueue']> {
      const input = checkUpdate({
        company: company(p, args.company),
        orderNumber: args.orderNumber,
        fields: args.fields,
        base: args.base ?? null,
        source: args.source,
        queuedBy: p.opts.queuedBy,
      });
      // Shape first, so a malformed input never costs a round trip to D365.
      const known = await entityModel(p);
      const checked = 'model' in known ? typedUpdate(known.model, input) : input;
      if (Array.isArray(checked)) throw badInput(checked.join('; '));
      const note = 'note' in known ? known.note : undefined;
      const result = p.outbox.enqueue(checked);
      p.events.emit({ type: 'queued', id: result.id, company: input.company, orderNumber: input.orderNumber, coalesced: result.coalesced });
      p.drainer.wake();
      return note === undefined ? result : { ...result, note };
    },

    async hold(args: ApiArgs<'hold'>): Promise<ApiOutputs['hold']> {
      return changed(p.outbox.hold(args.id, p.opts.queuedBy), 'held', false);
    },

    async release(args: ApiArgs<'release'>): Promise<ApiOutputs['release']> {
      return changed(p.outbox.release(args.id, p.opts.queuedBy), 'released');
    },

    async cancel(args: ApiArgs<'cancel'>): Promise<ApiOutputs['cancel']> {
      return changed(p.outbox.cancel(args.id, p.opts.queuedBy), 'cancelled', false);
    },

    async retry(args: ApiArgs<'retry'>): Promise<ApiOutputs['retry']> {
      return changed(p.outbox.retry(args.id, p.opts.queuedBy), 'requeued');
    },

    async undoCancel(args: ApiArgs<'undoCancel'>): Promise<ApiOutputs['undoCancel']> {
      return changed(p.outbox.undoCancel(args.id, p.opts.queuedBy), 'restored');
    },

    async requeue(args: ApiArgs<'requeue'>): Promise<ApiOutputs['requeue']> {
      const old = p.outbox.get(args.id);
      if (!old) throw new OutboxError('NOT_FOUND', `No update with id ${args.id}`);
      // The same rules as a new update (and the same check of the field names).
      // Without a new base, what was seen of the fields still changed stays their base.
      const kept = Object.fromEntries(Object.entries(old.base ?? {}).filter(([f]) => f in args.fields));
      const input = checkUpdate({ ...old, fields: args.fields, base: args.base === undefined ? kept : args.base, source: old.source, queuedBy: p.opts.queuedBy });
      const known = await entityModel(p);
      const checked = 'model' in known ? typedUpdate(known.model, input) : input;
      if (Array.isArray(checked)) throw badInput(checked.join('; '));
      return changed(p.outbox.requeue(args.id, checked.fields, checked.base, p.opts.queuedBy), 'requeued');
    },

    async resolveConflicts(args: ApiArgs<'resolveConflicts'>): Promise<ApiOutputs['resolveConflicts']> {
      const resolved: Update[] = [];
      const failed: { id: number; code: string; message: string }[] = [];
      for (const id of args.ids) {
        try {
          resolved.push(changed(p.outbox.resolve(id, args.resolution, p.opts.queuedBy), 'resolved', false));
        } catch (e) {
          failed.push({ id, ...errorData(e) });
        }
      }
      p.drainer.wake();
      return { resolved, failed };
    },

    async resolveConflict(args: ApiArgs<'resolveConflict'>): Promise<ApiOutputs['resolveConflict']> {
      let resolution = args.resolution;
      if (resolution.action === 'edit') {
        // edited values are queued again: they are checked like any other
        const known = await entityModel(p);
        if ('model' in known) {
          const typed = typeFields(known.model, resolution.fields);
          if (typed.problems.length > 0) throw badInput(typed.problems.join('; '));
          resolution = { action: 'edit', fields: typed.fields };
        }
      }
      return changed(p.outbox.resolve(args.id, resolution, p.opts.queuedBy), 'resolved');
    },

    async acknowledgeNotice(args: ApiArgs<'acknowledgeNotice'>): Promise<ApiOutputs['acknowledgeNotice']> {
      p.outbox.acknowledgeNotice(args.id);
      return p.outbox.notices();
    },

    async pauseDrain(): Promise<ApiOutputs['pauseDrain']> {
      p.drainer.pause('user');
      return p.drainer.status();
    },

    async resumeDrain(): Promise<ApiOutputs['resumeDrain']> {
      p.drainer.resume();
      return p.drainer.status();
    },

    /** "Try now": skips the wait of a throttle or outage probe (and restarts a stopped loop). */
    async drainNow(): Promise<ApiOutputs['drainNow']> {
      const paused = p.drainer.status().paused;
      if (paused && paused.reason !== 'user' && paused.reason !== 'credentials' && paused.reason !== 'not-connected') p.drainer.resume();
      // Skips the wait: what an outage or a lost race deferred to later is due now.
      p.outbox.dueNow();
      p.drainer.wake();
      return p.drainer.status();
    },
  } satisfies Partial<AgentHandlers>;
}
