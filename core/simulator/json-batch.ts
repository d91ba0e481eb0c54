import { MultipartSyntaxError } from '../d365/multipart.ts';
import type { BatchItem, BatchRequest, BatchResult } from './batch.ts';

/**
 * The OData 4.01 JSON batch that Business Central documents: `{"requests":[…]}` with per-request
 * headers and `atomicityGroup`, answered by `{"responses":[…]}`. Requests of one atomicity group
 * must be adjacent; they become one changeset here, as in a multipart batch.
 */

interface JsonRequest {
  id?: unknown;
  method?: unknown;
  url?: unknown;
  headers?: unknown;
  body?: unknown;
  atomicityGroup?: unknown;
}

function refuse(message: string): never {
  throw new MultipartSyntaxError(message);
}

function toRequest(raw: JsonRequest, index: number): BatchRequest {
  if (typeof raw.method !== 'string' || !/^[A-Za-z]+$/.test(raw.method)) refuse(`Request ${index + 1} of the batch has no valid "method".`);
  if (typeof raw.url !== 'string' || raw.url === '') refuse(`Request ${index + 1} of the batch has no "url".`);
  if (raw.id !== undefined && typeof raw.id !== 'string') refuse(`The "id" of request ${index + 1} must be a string.`);
  const headers: Record<string, string> = {};
  if (raw.headers !== undefined) {
    if (raw.headers === null || typeof raw.headers !== 'object' || Array.isArray(raw.headers)) refuse(`The "headers" of request ${index + 1} must be an object.`);
    for (const [name, value] of Object.entries(raw.headers)) headers[name.toLowerCase()] = String(value);
  }
  const body = raw.body === undefined || raw.body === null ? '' : typeof raw.body === 'string' ? raw.body : JSON.stringify(raw.body);
  return { contentId: raw.id, method: raw.method.toUpperCase(), url: raw.url, headers, body };
}

export function parseJsonBatch(body: string): BatchItem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    refuse('The batch request body is not valid JSON.');
  }
  const requests = (parsed as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) refuse('A JSON batch must be an object with a "requests" array.');
  const items: BatchItem[] = [];
  const closedGroups = new Set<string>();
  let open: { name: string; requests: BatchRequest[] } | undefined;
  requests.forEach((raw: JsonRequest, i) => {
    if (raw === null || typeof raw !== 'object') refuse(`Request ${i + 1} of the batch is not an object.`);
    const request = toRequest(raw, i);
    const group = raw.atomicityGroup;
    if (group !== undefined && typeof group !== 'string') refuse(`The "atomicityGroup" of request ${i + 1} must be a string.`);
    if (open && open.name !== group) {
      closedGroups.add(open.name);
      open = undefined;
    }
    if (group === undefined) {
      items.push({ kind: 'request', request });
      return;
    }
    if (closedGroups.has(group)) refuse(`The requests of atomicity group '${group}' must be adjacent.`);
    if (!open) {
      open = { name: group, requests: [] };
      items.push({ kind: 'changeset', requests: open.requests });
    }
    open.requests.push(request);
  });
  return items;
}

function jsonBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (/json/i.test(contentType ?? '')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // not JSON after all (a garbled answer): hand it over as text
    }
  }
  return text;
}

export function formatJsonBatch(results: readonly BatchResult[]): { contentType: string; body: string } {
  const responses = results
    .flatMap((r) => (r.kind === 'response' ? [r.answer] : r.answers))
    .map(({ contentId, response }) => {
      const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const body = jsonBody(response.body, headers['content-type']);
      return { id: contentId ?? null, status: response.status, headers, ...(body === undefined ? {} : { body }) };
    });
  return { contentType: 'application/json; odata.metadata=minimal; charset=utf-8', body: JSON.stringify({ responses }) };
}
