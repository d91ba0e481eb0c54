/**
 * An import queues its rows with enqueueMany, which finds the orders that already have updates
 * in a few statements instead of one look-up per row. Differential check over seeded random
 * histories: the same rows queued one by one on a twin outbox end in exactly the same queue
 * (merged or behind, the same ids, fields, bases and history).
 */
import { describe, expect, it } from 'vitest';
import type { Outbox } from '../../../core/outbox/outbox.ts';
import type { Fields } from '../../../core/outbox/types.ts';
import { createRng, pick, randomInt, type Rng } from '../../../core/simulator/rng.ts';
import { input, manualClock, openTestOutbox } from './fixtures.ts';

const ORDERS = ['SO-1', 'SO-2', 'SO-3', 'so-3', 'SO-4', 'SO-5'];
const COMPANIES = ['USMF', 'DEMF', 'usmf'];

function randomInput(rng: Rng) {
  const fields: Fields = rng() < 0.5 ? { DeliveryModeCode: `M${randomInt(rng, 1, 9)}` } : { DeliveryModeCode: `M${randomInt(rng, 1, 9)}`, CustomersOrderReference: `R${randomInt(rng, 1, 99)}` };
  const base = rng() < 0.3 ? { DeliveryModeCode: `B${randomInt(rng, 1, 9)}` } : undefined;
  return input(pick(rng, ORDERS), fields, { company: pick(rng, COMPANIES), ...(base ? { base } : {}) });
}

/** A queue in every state an import can meet: pending, taken, sending, held, done. */
function prepare(o: Outbox, rng: Rng): void {
  for (let i = 0; i < 8; i++) {
    const { id } = o.enqueue(randomInput(rng));
    const roll = rng();
    if (roll < 0.2) o.takeDue(Date.now() + 10_000, 1);
    else if (roll < 0.35) o.hold(id, 'tester');
    else if (roll < 0.5) {
      const [taken] = o.takeDue(Date.now() + 10_000, 1);
      if (taken) o.claim(taken.id);
    } else if (roll < 0.6 && o.get(id)!.state === 'pending') o.markDone(id, {});
  }
}

function queue(o: Outbox) {
  return {
    updates: o.db.prepare('SELECT id, profile, company, order_no, fields, base, state, taken FROM updates ORDER BY id').all(),
    events: o.db.prepare('SELECT update_id, kind, detail FROM update_events ORDER BY id').all(),
  };
}

describe('enqueueMany', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`queues an import exactly as one enqueue per row would (seed ${seed})`, () => {
      const clock = manualClock();
      const many = openTestOutbox({ now: clock.now }).outbox;
      const one = openTestOutbox({ now: clock.now }).outbox;
      for (const o of [many, one]) prepare(o, createRng(seed));
      const rng = createRng(seed * 7919);
      const rows = Array.from({ length: 30 }, () => randomInput(rng));
      const results = many.enqueueMany(rows);
      expect(results).toEqual(rows.map((r) => one.enqueue(r)));
      expect(queue(many)).toEqual(queue(one));
      // the histories did meet both cases
      expect(results.some((r) => r.coalesced)).toBe(true);
      expect(results.some((r) => !r.coalesced)).toBe(true);
    });
  }
});
