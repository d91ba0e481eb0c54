import type { BatchReply, WireGroup, WrittenBatch } from './batch.ts';
import { MultipartSyntaxError } from './multipart.ts';

/**
 * The OData 4.01 JSON batch Business Central documents: `{"requests":[…]}`, each request with
 * its own headers (If-Match travels per request) and, for writes, an `atomicityGroup`; the
 * answer is `{"responses":[…]}`.
 */
export function buildJsonBatch(groups: readonly WireGroup[]): WrittenBatch {
  const requests = groups.flatMap((group, g) =>
    group.calls.map(({ id, target, call }) => ({
      id,
      method: call.method,
      url: target,
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: JSON.parse(call.body) as unknown }),
      ...(group.atomic ? { atomicityGroup: `g${g + 1}` } : {}),
    })),
  );
  return {
    contentType: 'application/json',
    body: JSON.stringify({ requests }),
    // answers come flat, one per request
    layout: groups.flatMap((g) => g.calls.map((c) => [c])),
  };
}

interface JsonResponse {
  id?: unknown;
  status?: unknown;
  headers?: unknown;
  body?: unknown;
}

/** True when the text is a JSON batch answer at all (an error document is not). */
export function isJsonBatchReply(text: string): boolean {
  try {
    return Array.isArray((JSON.parse(text) as { responses?: unknown }).responses);
  } catch {
    return false;
  }
}

export function parseJsonReply(text: string): BatchReply[] {
  let responses: unknown;
  try {
    responses = (JSON.parse(text) as { responses?: unknown }).responses;
  } catch {
    throw new MultipartSyntaxError('the $batch answer is not valid JSON');
  }
  if (!Array.isArray(responses)) throw new MultipartSyntaxError('the $batch answer has no "responses" list');
  return responses.map((raw: JsonResponse, item): BatchReply => {
    if (raw === null || typeof raw !== 'object' || typeof raw.status !== 'number') {
      throw new MultipartSyntaxError(`response ${item + 1} of the $batch answer has no status`);
    }
    const headers: Record<string, string> = {};
    if (raw.headers && typeof raw.headers === 'object') {
      for (const [name, value] of Object.entries(raw.headers)) headers[name.toLowerCase()] = String(value);
    }
    const body = raw.body === undefined || raw.body === null ? '' : typeof raw.body === 'string' ? raw.body : JSON.stringify(raw.body);
    // Business Central answers "id": null; such answers are placed by position
    const contentId = typeof raw.id === 'string' && raw.id !== '' ? raw.id : undefined;
    return { contentId, item, index: 0, status: raw.status, headers, text: body };
  });
}
