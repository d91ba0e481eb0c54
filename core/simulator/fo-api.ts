import { checkPatchBody, csdl, keyNames, property, type EntitySchema } from './entity-schema.ts';
import {
  FO_ENTITY_SET,
  UPDATE_CONFLICT_MESSAGE,
  WRITE_EXCEPTION_TYPE,
  statusTransitionError,
} from './fo-entity.ts';
import { header, jsonResponse, noContent, odataError, type SimRequest, type SimResponse } from './http-message.ts';
import { checkOptions, filterPredicate, nonNegativeInteger, represent, selection } from './query-options.ts';
import type { OrderBook, StoredOrder } from './order-book.ts';
import type { Rng } from './rng.ts';

export type ConflictForm = '412' | 'fo-500' | 'mixed';

export interface FoContext {
  book: OrderBook;
  /** SalesOrderHeaderV2, with a modification time when the simulator was asked for one */
  schema: EntitySchema;
  /** the environment URL, e.g. http://127.0.0.1:PORT */
  url: string;
  conflictForm: ConflictForm;
  /** decides each conflict's form when conflictForm is 'mixed' */
  conflictRng: Rng;
}

const PAGE_SIZE = 10_000;

export function foNotFound(segment: string): SimResponse {
  return odataError(404, `Resource not found for the segment '${segment}'.`);
}

export function foBadRequest(message: string): SimResponse {
  return odataError(400, message);
}

function writeFailure(status: number, message: string): SimResponse {
  return odataError(status, message, { innererror: { message, type: WRITE_EXCEPTION_TYPE, stacktrace: '' } });
}

/** A stale If-Match, answered in the form this environment uses. */
export function foConflict(ctx: FoContext): SimResponse {
  const form = ctx.conflictForm === 'mixed' ? (ctx.conflictRng() < 0.5 ? '412' : 'fo-500') : ctx.conflictForm;
  if (form === '412') {
    return odataError(
      412,
      'The ETag value in the If-Match header does not match the current ETag of the resource. The resource was changed by another user since it was read.',
    );
  }
  // the AOS reports its own optimistic-concurrency failure as a generic 500
  return odataError(500, 'An error has occurred.', {
    innererror: {
      message: UPDATE_CONFLICT_MESSAGE,
      type: WRITE_EXCEPTION_TYPE,
      stacktrace:
        '   at Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException..ctor\r\n   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.Execute',
    },
  });
}

function contextUrl(ctx: FoContext, select: string[] | undefined, suffix: string): string {
  const projection = select ? `(${[...new Set([...keyNames(ctx.schema), ...select])].join(',')})` : '';
  return `${ctx.url}/data/$metadata#${FO_ENTITY_SET}${projection}${suffix}`;
}

/** Does an If-Match header let a write through? Absent means unconditional, as on F&O. */
export function ifMatchAllows(ifMatch: string | undefined, etag: string): boolean {
  if (ifMatch === undefined) return true;
  const trimmed = ifMatch.trim();
  if (trimmed === '*') return true;
  // a list of entity tags; each may contain commas only inside its quotes
  const tags = trimmed.match(/(?:W\/)?"[^"]*"|[^,\s]+/g) ?? [];
  return tags.some((tag) => tag === etag);
}

export function foGetOrder(ctx: FoContext, order: StoredOrder, query: URLSearchParams): SimResponse {
  const unsupported = checkOptions(query, ['$select', '$format']);
  if (unsupported) return foBadRequest(unsupported);
  const select = selection(ctx.schema, query);
  if (!select.ok) return foBadRequest(select.message);
  const body = {
    '@odata.context': contextUrl(ctx, select.value, '/$entity'),
    ...represent(ctx.schema, order.fields, order.etag, select.value),
  };
  return jsonResponse(200, body, { ETag: order.etag });
}

export function foPatchOrder(ctx: FoContext, order: StoredOrder, request: SimRequest): SimResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch (error) {
    return odataError(400, 'The request body is not valid JSON.', {
      innererror: { message: error instanceof Error ? error.message : String(error), type: 'Microsoft.OData.ODataException' },
    });
  }
  const checked = checkPatchBody(ctx.schema, parsed);
  if (!checked.ok) return foBadRequest(checked.message);

  if (!ifMatchAllows(header(request.headers, 'if-match'), order.etag)) return foConflict(ctx);

  const fields = checked.fields;
  for (const name of Object.keys(fields)) {
    if (property(ctx.schema, name)?.readOnly) return writeFailure(400, `The field '${name}' is maintained by the system and cannot be written.`);
  }
  for (const key of keyNames(ctx.schema)) {
    const value = fields[key];
    if (value === undefined) continue;
    if (typeof value === 'string' && value.toLowerCase() === String(order.fields[key] ?? '').toLowerCase()) {
      // repeating the key with its own value is harmless; D365 ignores it
      delete fields[key];
      continue;
    }
    return writeFailure(
      400,
      `Write failed for table row of type 'SalesTable'. Infolog: Error: The key field '${key}' cannot be changed (from '${String(order.fields[key])}' to '${String(value)}').`,
    );
  }
  const transition = statusTransitionError(order.orderNumber, order.fields.SalesOrderStatus, fields.SalesOrderStatus);
  if (transition) return writeFailure(400, transition);

  const updated = ctx.book.write(order, fields, 'client');
  if (/return=representation/i.test(header(request.headers, 'prefer') ?? '')) {
    const body = { '@odata.context': contextUrl(ctx, undefined, '/$entity'), ...represent(ctx.schema, updated.fields, updated.etag, undefined) };
    return jsonResponse(200, body, { ETag: updated.etag, 'Preference-Applied': 'return=representation' });
  }
  return noContent({ ETag: updated.etag });
}

export function foCollection(ctx: FoContext, query: URLSearchParams, target: string): SimResponse {
  const unsupported = checkOptions(query, ['$select', '$filter', '$top', '$skip', '$format', '$count']);
  if (unsupported) return foBadRequest(unsupported);
  const select = selection(ctx.schema, query);
  if (!select.ok) return foBadRequest(select.message);
  const filter = filterPredicate(ctx.schema, query);
  if (!filter.ok) return foBadRequest(filter.message);
  const top = nonNegativeInteger(query, '$top');
  if (!top.ok) return foBadRequest(top.message);
  const skip = nonNegativeInteger(query, '$skip');
  if (!skip.ok) return foBadRequest(skip.message);

  const matching = ctx.book.list('fo').filter((o) => filter.value(o.fields));
  const start = skip.value ?? 0;
  const wanted = top.value === undefined ? matching.length - start : Math.min(top.value, matching.length - start);
  const page = matching.slice(start, start + Math.min(Math.max(wanted, 0), PAGE_SIZE));
  const body: Record<string, unknown> = { '@odata.context': contextUrl(ctx, select.value, '') };
  if (query.get('$count') === 'true') body['@odata.count'] = matching.length;
  body.value = page.map((o) => represent(ctx.schema, o.fields, o.etag, select.value));
  if (wanted > PAGE_SIZE) {
    // server-driven paging, as F&O does above 10,000 rows
    const next = new URLSearchParams(query);
    next.set('$skip', String(start + PAGE_SIZE));
    if (top.value !== undefined) next.set('$top', String(top.value - PAGE_SIZE));
    body['@odata.nextLink'] = `${ctx.url}${target.split('?')[0] ?? ''}?${next.toString()}`;
  }
  return jsonResponse(200, body);
}

export function foMetadata(ctx: FoContext): SimResponse {
  return {
    status: 200,
    headers: { 'Content-Type': 'application/xml', 'OData-Version': '4.0' },
    body: csdl(ctx.schema, 'Resources'),
  };
}

export function foServiceDocument(ctx: FoContext): SimResponse {
  return jsonResponse(200, {
    '@odata.context': `${ctx.url}/data/$metadata`,
    value: [{ name: FO_ENTITY_SET, kind: 'EntitySet', url: FO_ENTITY_SET }],
  });
}
