import { describe, expect, it } from 'vitest';
import { executeBatch, type BatchHost } from '../../../core/simulator/batch-execution.ts';
import { LENIENT_SERVER } from '../../../core/simulator/batch-rules.ts';
import { jsonResponse, noContent, odataError, type SimRequest, type SimResponse } from '../../../core/simulator/http-message.ts';
import { OrderBook } from '../../../core/simulator/order-book.ts';
import { createRng } from '../../../core/simulator/rng.ts';
import type { BatchRules } from '../../../core/simulator/types.ts';

/** A host whose parts write to a real order book: "fail" in a URL fails that part with 400. */
function host(rules: Partial<BatchRules> = {}) {
  const book = new OrderBook(createRng(1), Date.now, {});
  book.put('fo', 'U', 'O', { n: 0 });
  const targets: string[] = [];
  const h: BatchHost = {
    rules: { ...LENIENT_SERVER, ...rules },
    book,
    rng: createRng(3),
    newBoundary: (prefix) => `${prefix}1`,
    runPart(part, target): SimResponse {
      targets.push(`${part.method} ${target}`);
      if (target.includes('fail')) return odataError(400, 'refused');
      if (part.method === 'PATCH') {
        const o = book.get('fo', 'U', 'O')!;
        book.write(o, { n: Number(o.fields.n) + 1 }, 'client');
        return noContent();
      }
      return jsonResponse(200, { target });
    },
  };
  return { h, book, targets };
}

const CRLF = '\r\n';
function multipart(parts: (string | string[])[], prefer?: string): SimRequest {
  const lines: string[] = [];
  let id = 0;
  const part = (requestLine: string) => [`Content-Type: application/http`, `Content-ID: ${++id}`, '', requestLine, 'Content-Type: application/json', '', requestLine.startsWith('PATCH') ? '{}' : ''];
  for (const p of parts) {
    lines.push('--b');
    if (typeof p === 'string') lines.push(...part(p));
    else {
      lines.push('Content-Type: multipart/mixed; boundary=c', '');
      for (const inner of p) lines.push('--c', ...part(inner));
      lines.push('--c--');
    }
  }
  lines.push('--b--', '');
  return { method: 'POST', target: '/data/$batch', headers: { 'content-type': 'multipart/mixed; boundary=b', ...(prefer ? { prefer } : {}) }, body: lines.join(CRLF) };
}

const statuses = (r: SimResponse) => [...r.body.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));

describe('executeBatch', () => {
  it('a part names its resource relative to the service root, by absolute path, or by absolute URI: all reach the same place', () => {
    const { h, targets } = host();
    const r = executeBatch(multipart(['GET Orders HTTP/1.1', 'GET /data/Orders HTTP/1.1', 'GET http://host:1/data/Orders HTTP/1.1']), 'fo', h);
    expect(r.status).toBe(200);
    expect(targets).toEqual(['GET /data/Orders', 'GET /data/Orders', 'GET /data/Orders']);
  });

  it('a server taking one form only reads the others as a path of its own and finds nothing (404), running nothing', () => {
    const { h, targets } = host({ requestLines: 'relative' });
    const r = executeBatch(multipart(['GET /data/Orders HTTP/1.1', 'GET Orders HTTP/1.1']), 'bc', h);
    expect(statuses(r)).toEqual([404, 200]);
    expect(targets).toEqual(['GET /api/v2.0/Orders']);
  });

  it('a changeset is atomic: one failing part rolls back the others, answered as the rules say', () => {
    for (const [failedGroup, expected] of [['collapse', [400]], ['failed-dependency', [424, 400]], ['report-original', [204, 400]]] as const) {
      const { h, book } = host({ failedGroup });
      const r = executeBatch(multipart([['PATCH Orders(1) HTTP/1.1', 'PATCH fail HTTP/1.1']]), 'fo', h);
      expect(statuses(r), failedGroup).toEqual(expected);
      expect(book.get('fo', 'U', 'O')!.fields.n).toBe(0);
      expect(book.writeLog).toEqual([]);
    }
  });

  it('a changeset that succeeds commits whole', () => {
    const { h, book } = host();
    expect(statuses(executeBatch(multipart([['PATCH Orders(1) HTTP/1.1', 'PATCH Orders(1) HTTP/1.1']]), 'fo', h))).toEqual([204, 204]);
    expect(book.get('fo', 'U', 'O')!.fields.n).toBe(2);
    expect(book.writeLog).toHaveLength(2);
  });

  it('stops at the first failing part unless continue-on-error is asked for, or always when the server ignores it', () => {
    const parts = ['GET fail HTTP/1.1', 'GET Orders HTTP/1.1'];
    expect(statuses(executeBatch(multipart(parts), 'fo', host({ stopAtFailure: 'unless-continue-on-error' }).h))).toEqual([400]);
    expect(statuses(executeBatch(multipart(parts, 'odata.continue-on-error'), 'fo', host({ stopAtFailure: 'unless-continue-on-error' }).h))).toEqual([400, 200]);
    expect(statuses(executeBatch(multipart(parts, 'odata.continue-on-error=false'), 'fo', host({ stopAtFailure: 'unless-continue-on-error' }).h))).toEqual([400]);
    expect(statuses(executeBatch(multipart(parts, 'odata.continue-on-error'), 'fo', host({ stopAtFailure: 'always' }).h))).toEqual([400]);
    expect(statuses(executeBatch(multipart(parts), 'fo', host({ stopAtFailure: 'never' }).h))).toEqual([400, 200]);
  });

  it('a batch in which something failed answers 400 outside where the rules say so (Dataverse)', () => {
    expect(executeBatch(multipart(['GET fail HTTP/1.1']), 'dataverse', host({ failedBatchStatus: 400 }).h).status).toBe(400);
    expect(executeBatch(multipart(['GET Orders HTTP/1.1']), 'dataverse', host({ failedBatchStatus: 400 }).h).status).toBe(200);
  });

  it('refuses more operations than the flavour allows, and a body that is not a batch', () => {
    const many = multipart(Array.from({ length: 101 }, () => 'GET Orders HTTP/1.1'));
    const r = executeBatch(many, 'bc', host().h);
    expect(r.status).toBe(400);
    expect(r.body).toContain('The batch request contains 101 operations; at most 100 are allowed in one batch.');
    expect(executeBatch(many, 'fo', host().h).status).toBe(200);
    expect(executeBatch({ method: 'POST', target: '/', headers: { 'content-type': 'text/plain' }, body: 'x' }, 'fo', host().h).status).toBe(400);
  });

  it('can leave out the Content-IDs, and shuffle the answers from the seed', () => {
    const ids = (r: SimResponse) => [...r.body.matchAll(/^Content-ID: (\d+)/gm)].map((m) => m[1]);
    const six = multipart(Array.from({ length: 6 }, (_, i) => `GET Orders(${i}) HTTP/1.1`));
    expect(ids(executeBatch(six, 'fo', host({ answerIds: 'omit' }).h))).toEqual([]);
    const shuffled = ids(executeBatch(six, 'fo', host({ answerOrder: 'shuffled' }).h));
    expect([...shuffled].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(shuffled).not.toEqual(['1', '2', '3', '4', '5', '6']);
    expect(ids(executeBatch(six, 'fo', host({ answerOrder: 'shuffled' }).h))).toEqual(shuffled);
  });

  it('a JSON batch is answered in JSON, OData 4.01', () => {
    const body = JSON.stringify({ requests: [{ id: 'a', method: 'GET', url: 'Orders' }] });
    const r = executeBatch({ method: 'POST', target: '/api/v2.0/$batch', headers: { 'content-type': 'application/json' }, body }, 'bc', host().h);
    expect(r.headers['OData-Version']).toBe('4.01');
    expect(JSON.parse(r.body)).toEqual({ responses: [{ id: 'a', status: 200, headers: expect.any(Object), body: { target: '/api/v2.0/Orders' } }] });
  });
});
