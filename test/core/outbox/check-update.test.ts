/**
 * checkUpdate runs the schema's rules directly on an update that passes them (a fast path for
 * imports) and leaves everything else to the schema. Over seeded random updates, valid and
 * not, it must queue exactly what the schema would, and refuse with the schema's words.
 */
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../../core/simulator/rng.ts';
import { checkUpdate, checkUpdateBySchema, LIMITS } from '../../../core/outbox/update-input.ts';

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

const KEYS = ['SO-1', ' SO-2 ', 'e\u0301', 'USMF', 'usmf', '', '   ', '\u200bSO-3', 'SO\u00074', 'SO\t5', 'A'.repeat(65), 'B'.repeat(201), '\ufeff', 'SO-\u202e6'];
const KEY_VALUES: unknown[] = [...KEYS, 7, null, undefined, true, {}];
const NAMES = ['DeliveryModeCode', 'RequestedShippingDate', 'x_1', '1abc', 'Foo Bar', '', 'toString', 'constructor', 'Z'.repeat(128), 'Z'.repeat(129)];
const VALUES: unknown[] = ['10', '', 'caf\u00e9', 'cafe\u0301', 'tab\there', 'line\nbreak', 'bell\u0007', 'C'.repeat(4000), 'C'.repeat(4001), 0, -1.5, NaN, Infinity, true, false, null, undefined, {}, [], ['a']];
const SOURCES: unknown[] = ['form', 'csv', 'cli', 'api', 'scanner', undefined, 3];

function fields(rng: Rng): unknown {
  const r = rng();
  if (r < 0.05) return pick(rng, [null, 'text', [], 5, undefined]);
  if (r < 0.08) return JSON.parse('{"__proto__": "x", "DeliveryModeCode": "1"}');
  if (r < 0.1) return Object.fromEntries(Array.from({ length: LIMITS.fields + (rng() < 0.5 ? 0 : 1) }, (_, i) => [`F${i}`, 'v']));
  const out: Record<string, unknown> = rng() < 0.05 ? Object.create(null) : {};
  const n = Math.floor(rng() * 4);
  for (let i = 0; i < n; i++) out[rng() < 0.8 ? pick(rng, NAMES.slice(0, 3)) : pick(rng, NAMES)] = rng() < 0.7 ? pick(rng, VALUES.slice(0, 4)) : pick(rng, VALUES);
  return out;
}

function update(rng: Rng): unknown {
  if (rng() < 0.02) return pick(rng, [null, 'SO-1', [], 42]);
  const f = fields(rng);
  const u: Record<string, unknown> = {
    company: rng() < 0.8 ? pick(rng, KEYS.slice(0, 5)) : pick(rng, KEY_VALUES),
    orderNumber: rng() < 0.8 ? pick(rng, KEYS.slice(0, 3)) : pick(rng, KEY_VALUES),
    fields: f,
    source: rng() < 0.9 ? pick(rng, SOURCES.slice(0, 4)) : pick(rng, SOURCES),
    queuedBy: rng() < 0.9 ? 'desk' : pick(rng, KEY_VALUES),
  };
  if (rng() < 0.3) u.profile = rng() < 0.7 ? pick(rng, ['fo', 'bc', ' dataverse ']) : pick(rng, KEY_VALUES);
  const b = rng();
  if (b < 0.2) u.base = null;
  else if (b < 0.3) u.base = {};
  else if (b < 0.5 && f && typeof f === 'object') u.base = Object.fromEntries(Object.keys(f).map((k) => [k, pick(rng, VALUES.slice(0, 6))]));
  else if (b < 0.6) u.base = fields(rng);
  if (rng() < 0.1) u.extra = 'ignored';
  return u;
}

function outcome(check: (u: unknown) => unknown, u: unknown): { ok: string } | { error: string } {
  try {
    return { ok: JSON.stringify(check(u)) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe('checkUpdate agrees with the schema', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`on 3,000 random updates, valid and not (seed ${seed})`, () => {
      const rng = createRng(seed);
      let accepted = 0;
      for (let i = 0; i < 3000; i++) {
        const u = update(rng);
        const ours = outcome(checkUpdate, u);
        expect(ours, JSON.stringify(u)).toEqual(outcome(checkUpdateBySchema, u));
        if ('ok' in ours) accepted++;
      }
      // both kinds are well represented
      expect(accepted).toBeGreaterThan(500);
      expect(accepted).toBeLessThan(2500);
    });
  }

  it('keeps the normalised forms and drops unknown keys, as the schema does', () => {
    const u = { company: ' usmf ', orderNumber: 'cafe\u0301 ', fields: { Note: 'cafe\u0301' }, base: {}, source: 'csv', queuedBy: ' desk ', extra: 1 };
    expect(checkUpdate(u)).toEqual({ company: 'usmf', orderNumber: 'caf\u00e9', fields: { Note: 'caf\u00e9' }, base: null, profile: 'fo', source: 'csv', queuedBy: 'desk' });
  });
});
