import { describe, expect, it } from 'vitest';
import { MultipartSyntaxError } from '../../../core/d365/multipart.ts';
import { formatJsonBatch, parseJsonBatch } from '../../../core/simulator/json-batch.ts';

const batch = (requests: unknown[]) => JSON.stringify({ requests });

describe('parseJsonBatch: the OData 4.01 JSON batch Business Central documents', () => {
  it('plain requests stay plain; an atomicity group becomes one changeset, in order', () => {
    const items = parseJsonBatch(
      batch([
        { id: '1', method: 'get', url: 'companies(x)/salesOrders', headers: { Accept: 'application/json' } },
        { id: '2', method: 'PATCH', url: 'a', atomicityGroup: 'g', headers: { 'If-Match': 'W/"1"' }, body: { status: 'Open' } },
        { id: '3', method: 'PATCH', url: 'b', atomicityGroup: 'g', body: '{"x":1}' },
      ]),
    );
    expect(items).toEqual([
      { kind: 'request', request: { contentId: '1', method: 'GET', url: 'companies(x)/salesOrders', headers: { accept: 'application/json' }, body: '' } },
      {
        kind: 'changeset',
        requests: [
          { contentId: '2', method: 'PATCH', url: 'a', headers: { 'if-match': 'W/"1"' }, body: '{"status":"Open"}' },
          { contentId: '3', method: 'PATCH', url: 'b', headers: {}, body: '{"x":1}' },
        ],
      },
    ]);
  });

  it('refuses what is not a batch, naming the request at fault', () => {
    const cases: [string, RegExp][] = [
      ['not json', /not valid JSON/],
      ['{"requests": {}}', /must be an object with a "requests" array/],
      [batch([null]), /Request 1 of the batch is not an object/],
      [batch([{ url: 'x' }]), /Request 1 of the batch has no valid "method"/],
      [batch([{ method: 'GET', url: 'x' }, { method: 'GET' }]), /Request 2 of the batch has no "url"/],
      [batch([{ id: 7, method: 'GET', url: 'x' }]), /The "id" of request 1 must be a string/],
      [batch([{ method: 'GET', url: 'x', headers: [] }]), /The "headers" of request 1 must be an object/],
      [batch([{ method: 'PATCH', url: 'x', atomicityGroup: 1 }]), /"atomicityGroup" of request 1 must be a string/],
      [batch([{ method: 'PATCH', url: 'a', atomicityGroup: 'g' }, { method: 'GET', url: 'b' }, { method: 'PATCH', url: 'c', atomicityGroup: 'g' }]), /atomicity group 'g' must be adjacent/],
    ];
    for (const [body, message] of cases) {
      expect(() => parseJsonBatch(body), body).toThrow(MultipartSyntaxError);
      expect(() => parseJsonBatch(body), body).toThrow(message);
    }
  });
});

describe('formatJsonBatch', () => {
  it('answers {"responses":[…]} with ids, statuses, lower-case headers and JSON bodies as JSON', () => {
    const out = formatJsonBatch([
      { kind: 'response', answer: { contentId: '1', response: { status: 200, headers: { 'Content-Type': 'application/json', ETag: 'W/"1"' }, body: '{"a":1}' } } },
      {
        kind: 'changeset',
        answers: [
          { contentId: '2', response: { status: 204, headers: {}, body: '' } },
          { contentId: undefined, response: { status: 500, headers: { 'Content-Type': 'application/json' }, body: '{"broken' } },
        ],
      },
    ]);
    expect(out.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(out.body)).toEqual({
      responses: [
        { id: '1', status: 200, headers: { 'content-type': 'application/json', etag: 'W/"1"' }, body: { a: 1 } },
        { id: '2', status: 204, headers: {} },
        { id: null, status: 500, headers: { 'content-type': 'application/json' }, body: '{"broken' },
      ],
    });
  });
});
