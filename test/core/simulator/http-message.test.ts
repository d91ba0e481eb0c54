import { describe, expect, it } from 'vitest';
import { header, jsonResponse, noContent, ODATA_JSON, odataError, safeDecode, withoutEtag } from '../../../core/simulator/http-message.ts';

describe('http-message', () => {
  it('jsonResponse and odataError speak OData JSON; the error envelope has code, message and the inner error', () => {
    const r = jsonResponse(200, { a: 1 }, { ETag: 'W/"1"' });
    expect(r).toEqual({ status: 200, headers: { 'Content-Type': ODATA_JSON, 'OData-Version': '4.0', ETag: 'W/"1"' }, body: '{"a":1}' });
    const e = odataError(412, 'stale', { code: 'X', innererror: { message: 'inner' }, headers: { 'Retry-After': '1' } });
    expect(e.status).toBe(412);
    expect(e.headers['Retry-After']).toBe('1');
    expect(JSON.parse(e.body)).toEqual({ error: { code: 'X', message: 'stale', innererror: { message: 'inner' } } });
    expect(JSON.parse(odataError(404, 'gone').body)).toEqual({ error: { code: '', message: 'gone' } });
    expect(noContent({ ETag: 'W/"2"' })).toEqual({ status: 204, headers: { 'OData-Version': '4.0', ETag: 'W/"2"' }, body: '' });
  });

  it('header() reads request headers by any case of the name', () => {
    expect(header({ 'if-match': '*' }, 'If-Match')).toBe('*');
    expect(header({}, 'If-Match')).toBeUndefined();
  });

  it('safeDecode decodes for display and leaves a malformed escape as sent', () => {
    expect(safeDecode("SalesOrderHeadersV2(SalesOrderNumber='SO%2F1')")).toBe("SalesOrderHeadersV2(SalesOrderNumber='SO/1')");
    expect(safeDecode('bad %E0%A4%A escape')).toBe('bad %E0%A4%A escape');
  });

  it('withoutEtag drops the ETag header and every @odata.etag, of an entity and of rows in a list', () => {
    const entity = withoutEtag(jsonResponse(200, { '@odata.etag': 'W/"1"', a: 1 }, { ETag: 'W/"1"' }));
    expect(entity.headers.ETag).toBeUndefined();
    expect(JSON.parse(entity.body)).toEqual({ a: 1 });
    const list = withoutEtag(jsonResponse(200, { value: [{ '@odata.etag': 'W/"1"', a: 1 }, { '@odata.etag': 'W/"2"', a: 2 }] }));
    expect(JSON.parse(list.body)).toEqual({ value: [{ a: 1 }, { a: 2 }] });
    // not JSON: left as it is
    const html = withoutEtag({ status: 502, headers: { 'Content-Type': 'text/html', etag: 'x' }, body: '<html>' });
    expect(html).toEqual({ status: 502, headers: { 'Content-Type': 'text/html' }, body: '<html>' });
  });
});
