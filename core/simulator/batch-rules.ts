import type { BatchRules, Flavour } from './types.ts';

/** What this simulator always did: every request-line form, every part answered, outer 200. */
export const LENIENT_SERVER: BatchRules = {
  requestLines: 'any',
  stopAtFailure: 'never',
  failedGroup: 'collapse',
  failedBatchStatus: 200,
  answerIds: 'echo',
  answerOrder: 'request',
};

/**
 * The strictest behaviour met in real servers, together: request lines relative to the
 * service root only, a stop at the first failing part unless `continue-on-error`, a failed
 * changeset collapsed to one part, and an outer 400 for a batch in which something failed.
 */
export const STRICT_SERVER: BatchRules = {
  requestLines: 'relative',
  stopAtFailure: 'unless-continue-on-error',
  failedGroup: 'collapse',
  failedBatchStatus: 400,
  answerIds: 'echo',
  answerOrder: 'request',
};

/** Operations per $batch as documented: Business Central 100, Dataverse 1,000; F&O names none. */
export const DOCUMENTED_MAX_OPERATIONS: Readonly<Record<Flavour, number>> = { fo: Number.POSITIVE_INFINITY, bc: 100, dataverse: 1000 };

export function batchRules(options: Partial<BatchRules> | undefined): BatchRules {
  return { ...LENIENT_SERVER, ...options };
}
