import { BatchSyntaxError, formatBatch, parseBatch, type BatchAnswer, type BatchItem, type BatchRequest, type BatchResult } from './batch.ts';
import { DOCUMENTED_MAX_OPERATIONS } from './batch-rules.ts';
import { header, odataError, type SimRequest, type SimResponse } from './http-message.ts';
import { formatJsonBatch, parseJsonBatch } from './json-batch.ts';
import type { OrderBook } from './order-book.ts';
import type { Rng } from './rng.ts';
import { SERVICE_ROOTS } from './routes.ts';
import type { BatchRules, Flavour } from './types.ts';

/** What executing a $batch needs from the simulator around it. */
export interface BatchHost {
  rules: BatchRules;
  book: OrderBook;
  /** handles one part whose URL is already a path on this host */
  runPart(part: BatchRequest, target: string): SimResponse;
  /** seeded draws: boundaries, and the order of shuffled answers */
  rng: Rng;
  newBoundary(prefix: string): string;
}

const failed = (response: SimResponse): boolean => response.status >= 400;

function failedDependency(contentId: string | undefined): BatchAnswer {
  return {
    contentId,
    response: odataError(424, 'The request was not executed: another request of its changeset failed, so the changeset was rolled back.'),
  };
}

/**
 * Where a part's URL points, per the rules: OData lets a part name its resource by absolute URI,
 * absolute path or a path relative to the service root. A server that takes only some of them
 * reads the others as a path of its own, and finds nothing there.
 */
function partTarget(url: string, flavour: Flavour, rules: BatchRules): string | SimResponse {
  const root = SERVICE_ROOTS[flavour];
  const form = /^[a-z][a-z0-9+.-]*:/i.test(url) ? 'absolute-uri' : url.startsWith('/') ? 'absolute-path' : 'relative';
  if (rules.requestLines !== 'any' && rules.requestLines !== form) {
    // the text is read as a path in the one form the server knows: its first segment names nothing
    const segment = url.replace(/^\/+/, '').split(/[/?(]/)[0] ?? '';
    return odataError(404, `Resource not found for the segment '${segment}'.`);
  }
  if (form === 'absolute-uri') return url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
  if (form === 'absolute-path') return url;
  return `${root}/${url}`;
}

function runChangeset(requests: readonly BatchRequest[], run: (part: BatchRequest) => SimResponse, host: BatchHost): BatchAnswer[] {
  host.book.beginChangeset();
  const answers: BatchAnswer[] = [];
  try {
    for (const part of requests) {
      const response = run(part);
      answers.push({ contentId: part.contentId, response });
      if (failed(response)) break;
    }
  } catch (error) {
    host.book.rollbackChangeset();
    throw error;
  }
  const failure = answers.findIndex((a) => failed(a.response));
  if (failure < 0) {
    host.book.commitChangeset();
    return answers;
  }
  // atomic: nothing of this changeset stays
  host.book.rollbackChangeset();
  switch (host.rules.failedGroup) {
    case 'collapse':
      return [answers[failure] as BatchAnswer];
    case 'failed-dependency':
      return requests.map((r, i) => (i === failure ? (answers[i] as BatchAnswer) : failedDependency(r.contentId)));
    case 'report-original':
      // what one real server does: the rolled-back requests keep the answer they had before
      return requests.map((r, i) => answers[i] ?? failedDependency(r.contentId));
  }
}

function operations(items: readonly BatchItem[]): number {
  return items.reduce((n, item) => n + (item.kind === 'request' ? 1 : item.requests.length), 0);
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function withoutIds(result: BatchResult): BatchResult {
  return result.kind === 'response'
    ? { kind: 'response', answer: { ...result.answer, contentId: undefined } }
    : { kind: 'changeset', answers: result.answers.map((a) => ({ ...a, contentId: undefined })) };
}

/** Executes a multipart/mixed (OData 4.0) or JSON (OData 4.01) $batch under the host's rules. */
export function executeBatch(request: SimRequest, flavour: Flavour, host: BatchHost): SimResponse {
  const { rules } = host;
  const json = /^\s*application\/json\b/i.test(header(request.headers, 'content-type') ?? '');
  let items: BatchItem[];
  try {
    items = json ? parseJsonBatch(request.body) : parseBatch(header(request.headers, 'content-type'), request.body);
  } catch (error) {
    if (error instanceof BatchSyntaxError) return odataError(400, error.message);
    throw error;
  }
  const limit = rules.maxOperations ?? DOCUMENTED_MAX_OPERATIONS[flavour];
  const count = operations(items);
  if (count > limit) return odataError(400, `The batch request contains ${count} operations; at most ${limit} are allowed in one batch.`);

  const continueOnError = /odata\.continue-on-error(?!\s*=\s*false)/i.test(header(request.headers, 'prefer') ?? '');
  const stopAtFailure = rules.stopAtFailure === 'always' || (rules.stopAtFailure === 'unless-continue-on-error' && !continueOnError);
  const run = (part: BatchRequest): SimResponse => {
    const target = partTarget(part.url, flavour, rules);
    return typeof target === 'string' ? host.runPart(part, target) : target;
  };

  let results: BatchResult[] = [];
  for (const item of items) {
    const result: BatchResult =
      item.kind === 'request'
        ? { kind: 'response', answer: { contentId: item.request.contentId, response: run(item.request) } }
        : { kind: 'changeset', answers: runChangeset(item.requests, run, host) };
    results.push(result);
    const answers = result.kind === 'response' ? [result.answer] : result.answers;
    if (stopAtFailure && answers.some((a) => failed(a.response))) break;
  }
  const anyFailed = results.some((r) => (r.kind === 'response' ? [r.answer] : r.answers).some((a) => failed(a.response)));
  if (rules.answerOrder === 'shuffled') results = shuffled(results, host.rng);
  if (rules.answerIds === 'omit') results = results.map(withoutIds);

  const status = anyFailed && rules.failedBatchStatus === 400 ? 400 : 200;
  const formatted = json ? formatJsonBatch(results) : formatBatch(results, host.newBoundary);
  return { status, headers: { 'Content-Type': formatted.contentType, 'OData-Version': json ? '4.01' : '4.0' }, body: formatted.body };
}
