import { describe, expect, it } from 'vitest';
import { adaptRetry } from '../../../core/engine/adaptive-retry.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../../../core/engine/etag-retry.ts';

const base: RetryPolicy = { retryLimit: 3, backoffMs: [500, 1500, 4000], jitter: 0.25 };

describe('adaptRetry: more patience at busy hours', () => {
  it('keeps the base policy while too little was measured, or the hour is quiet (below 5 %)', () => {
    expect(adaptRetry(base, null, 8)).toBe(base);
    expect(adaptRetry(base, 0, 8)).toBe(base);
    expect(adaptRetry(base, 0.049, 8)).toBe(base);
  });

  it('grows the limit with the rate and stretches every wait by (1 + rate), jitter unchanged', () => {
    expect(adaptRetry(base, 0.05, 8)).toEqual({ retryLimit: 4, backoffMs: [525, 1575, 4200], jitter: 0.25 });
    expect(adaptRetry(base, 0.3, 8)).toEqual({ retryLimit: 6, backoffMs: [650, 1950, 5200], jitter: 0.25 });
  });

  it('never beyond the maximum, and never below the base limit', () => {
    expect(adaptRetry(base, 1, 8).retryLimit).toBe(8);
    expect(adaptRetry(base, 0.9, 5).retryLimit).toBe(5);
    // a maximum below what a person set does not lower it
    expect(adaptRetry({ ...base, retryLimit: 9 }, 0.5, 8).retryLimit).toBe(9);
  });

  it('busier is never less patient', () => {
    let last = adaptRetry(DEFAULT_RETRY, 0.05, 8);
    for (let rate = 0.06; rate <= 1; rate += 0.01) {
      const next = adaptRetry(DEFAULT_RETRY, rate, 8);
      expect(next.retryLimit).toBeGreaterThanOrEqual(last.retryLimit);
      next.backoffMs.forEach((ms, i) => expect(ms).toBeGreaterThanOrEqual(last.backoffMs[i]!));
      last = next;
    }
  });

  it('does not change the policy it was given', () => {
    const copy = structuredClone(base);
    adaptRetry(base, 0.5, 8);
    expect(base).toEqual(copy);
  });
});
