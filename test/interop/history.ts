import { sameValue } from '../../core/d365/odata.ts';
import type { FieldConflict, Outbox } from '../../core/outbox/outbox.ts';
import type { Fields, Update } from '../../core/outbox/types.ts';
import type { Acknowledged } from './agent-rig.ts';
import type { Row } from './cap/entity.ts';
import type { ServerWrite } from './d365-server.ts';

/**
 * The history checker of the reliability issue, against the real server: every acknowledged
 * enqueue on one side, every write the server applied (its trigger-kept log) on the other, and
 * the outbox in between. Returns the broken invariants in words; an empty list is a pass.
 */
export interface HistoryInput {
  outbox: Outbox;
  acknowledged: readonly Acknowledged[];
  writes: readonly ServerWrite[];
  /** final rows, keyed company/orderNumber */
  rows: Map<string, Row>;
  /** fields the background writers touch; a conflict anywhere else is a false one */
  othersWrite: ReadonlySet<string>;
}

export interface HistoryReport {
  violations: string[];
  states: Record<string, number>;
  conflicts: { id: number; orderNumber: string; fields: FieldConflict[] }[];
}

const key = (company: string, orderNumber: string) => `${company}/${orderNumber}`;

export function checkHistory(h: HistoryInput): HistoryReport {
  const violations: string[] = [];
  const states: Record<string, number> = {};
  const conflicts: HistoryReport['conflicts'] = [];
  const ids = [...new Set(h.acknowledged.map((a) => a.id))].sort((a, b) => a - b);
  const updates = new Map<number, Update>();
  for (const id of ids) {
    const u = h.outbox.get(id);
    if (!u) {
      violations.push(`update ${id} was acknowledged but is not in the outbox`);
      continue;
    }
    updates.set(id, u);
    states[u.state] = (states[u.state] ?? 0) + 1;
  }
  // updates queued behind others (not acknowledged to us directly) are part of the history too
  for (const s of ['pending', 'sending', 'held'] as const) {
    const n = h.outbox.counts()[s];
    if (n > 0) violations.push(`${n} update(s) left ${s}: stranded`);
  }

  const clientWrites = h.writes.filter((w) => w.by === 'client');
  const claimed = new Set<number>();
  for (const [id, u] of updates) {
    const events = h.outbox.history(id);
    if (u.state === 'done') {
      const done = [...events].reverse().find((e) => e.kind === 'done');
      const detail = (done?.detail ?? {}) as { sent?: Fields; alreadyApplied?: boolean; etagAfter?: string | null };
      const sent = detail.sent ?? {};
      if (detail.alreadyApplied) {
        // D365 held the values when looked at: an earlier write of ours whose answer was lost
        // (it accounts for that write), or someone else's, or the seed
        const ours = clientWrites.filter((c) => !claimed.has(c.seq) && c.company === u.company && c.orderNumber === u.orderNumber && holds(c.after, u.fields)).at(-1);
        if (ours) claimed.add(ours.seq);
        const row = h.rows.get(key(u.company, u.orderNumber));
        const held = ours || h.writes.some((w) => w.orderNumber === u.orderNumber && w.company === u.company && holds(w.after, u.fields)) || (row && holds(row, u.fields));
        if (!held) violations.push(`update ${id} (${u.orderNumber}) is done as already applied, but the server never held ${JSON.stringify(u.fields)}`);
        continue;
      }
      // the write that carried this update: same order, our values, ETag as recorded
      const w = clientWrites.find(
        (c) => !claimed.has(c.seq) && c.company === u.company && c.orderNumber === u.orderNumber && holds(c.after, sent) && (detail.etagAfter ? c.etagAfter === detail.etagAfter : true),
      );
      if (!w) {
        violations.push(`update ${id} (${u.orderNumber}) is done with sent ${JSON.stringify(sent)}, but no write in the server's log carries it`);
        continue;
      }
      claimed.add(w.seq);
      if (!holds(sent, u.fields)) violations.push(`update ${id} (${u.orderNumber}) records fields ${JSON.stringify(u.fields)} but sent ${JSON.stringify(sent)}`);
      // nothing overwritten: a field we wrote held what the person saw, ours, or an earlier
      // write of the agent's own (a value it sent before) right before
      const base = u.base ?? {};
      for (const [f, value] of Object.entries(sent)) {
        if (!(f in w.before)) continue;
        const before = w.before[f];
        const ownEarlier = clientWrites.some((c) => c.seq < w.seq && c.company === u.company && c.orderNumber === u.orderNumber && sameValue(c.after[f], before));
        if (f in base && !sameValue(before, base[f]) && !sameValue(before, value) && !ownEarlier) {
          violations.push(`update ${id} (${u.orderNumber}) overwrote ${f}=${JSON.stringify(before)} (someone else's) with ${JSON.stringify(value)}; the person saw ${JSON.stringify(base[f])}`);
        }
      }
    } else if (u.state === 'conflict') {
      const event = [...events].reverse().find((e) => e.kind === 'conflict');
      const fields = ((event?.detail as { fields?: FieldConflict[] } | null)?.fields ?? []) as FieldConflict[];
      conflicts.push({ id, orderNumber: u.orderNumber, fields });
      for (const c of fields) {
        const touched = h.writes.some((w) => w.by === 'writer' && w.company === u.company && w.orderNumber === u.orderNumber && c.field in w.fields);
        if (!h.othersWrite.has(c.field) || !touched) {
          violations.push(`update ${id} (${u.orderNumber}): a false conflict on ${c.field} (theirs ${JSON.stringify(c.theirs)}), which nobody else wrote`);
        }
      }
    } else if (u.state === 'failed') {
      violations.push(`update ${id} (${u.orderNumber}) failed: ${u.lastError?.message ?? 'no reason'}`);
    }
  }
  // Every write of the agent's is accounted for: the one a done update records as sent, or an
  // earlier attempt the outbox recorded as being sent (its outcome lost to a crash or a drop).
  const attempts = [...updates.values()].flatMap((u) =>
    h.outbox
      .history(u.id)
      .filter((e) => e.kind === 'sending' && e.detail && typeof e.detail.fields === 'object' && e.detail.fields !== null)
      .map((e) => ({ company: u.company, orderNumber: u.orderNumber, fields: e.detail!.fields as Fields })),
  );
  for (const w of clientWrites) {
    if (claimed.has(w.seq)) continue;
    if (attempts.some((a) => a.company === w.company && a.orderNumber === w.orderNumber && holds(w.after, a.fields))) continue;
    violations.push(`the server applied a write by the agent (seq ${w.seq}, ${w.orderNumber} ${JSON.stringify(w.fields)}) that no update of the outbox records sending`);
  }

  // every order holds its last acknowledged value, where nobody else wrote that field since
  const last = new Map<string, { value: Fields[string]; id: number }>();
  for (const a of h.acknowledged) for (const [f, v] of Object.entries(a.fields)) last.set(`${key(a.company, a.orderNumber)}|${f}`, { value: v, id: a.id });
  for (const [k, { value, id }] of last) {
    const [order, field] = k.split('|') as [string, string];
    const u = updates.get(id);
    if (!u || u.state !== 'done') continue;
    const [company, orderNumber] = order.split('/') as [string, string];
    const ours = clientWrites.filter((w) => w.company === company && w.orderNumber === orderNumber).at(-1);
    const theirsAfter = h.writes.some((w) => w.by === 'writer' && w.company === company && w.orderNumber === orderNumber && field in w.fields && (!ours || w.seq > ours.seq));
    if (theirsAfter) continue;
    const now = h.rows.get(order)?.[field];
    if (!sameValue(now, value)) violations.push(`${order} holds ${field}=${JSON.stringify(now)}, not the last acknowledged ${JSON.stringify(value)} (update ${id} is done)`);
  }
  return { violations, states, conflicts };
}

function holds(row: Row | Fields, fields: Fields): boolean {
  return Object.entries(fields).every(([f, v]) => sameValue(row[f], v));
}
