import type { RetryPolicy } from './etag-retry.ts';

/**
 * More patience at busy hours: the retry limit and the waits between tries grow with the
 * concurrency error rate measured at this hour of day, up to `maxLimit`. Below 5 % (or with
 * too few requests measured: rate null) the base policy holds.
 */
export function adaptRetry(base: RetryPolicy, rate: number | null, maxLimit: number): RetryPolicy {
  if (rate === null || rate < 0.05) return base;
  return {
    ...base,
    retryLimit: Math.max(base.retryLimit, Math.min(maxLimit, base.retryLimit + Math.ceil(rate * 10))),
    backoffMs: base.backoffMs.map((ms) => Math.round(ms * (1 + rate))),
  };
}
