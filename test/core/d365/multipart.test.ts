import { describe, expect, it } from 'vitest';
import { boundaryOf, MultipartSyntaxError, parseHeaderLines, splitHttpMessage, splitMultipart, writeHttpPart } from '../../../core/d365/multipart.ts';

describe('boundaryOf', () => {
  it('finds the boundary of multipart/mixed, quoted or not, in any case and with other parameters', () => {
    expect(boundaryOf('multipart/mixed; boundary=batch_1')).toBe('batch_1');
    expect(boundaryOf('Multipart/Mixed;charset=utf-8; BOUNDARY="batch 2; odd"')).toBe('batch 2; odd');
    expect(boundaryOf('multipart/mixed;boundary=changesetresponse_9;foo=bar')).toBe('changesetresponse_9');
  });

  it('is undefined for anything that is not a multipart/mixed with a boundary', () => {
    expect(boundaryOf(undefined)).toBeUndefined();
    expect(boundaryOf('application/json; boundary=x')).toBeUndefined();
    expect(boundaryOf('text/html')).toBeUndefined();
    expect(boundaryOf('multipart/mixed')).toBeUndefined();
  });
});

describe('splitMultipart', () => {
  it('splits at delimiter lines, skipping preamble and epilogue, headers in lower case, content joined by CRLF', () => {
    const body = [
      'this is preamble',
      '--b',
      'Content-Type: application/http',
      'Content-ID: 1',
      '',
      'GET x HTTP/1.1',
      'Accept: application/json',
      '',
      '--b',
      'Content-Type: application/http',
      '',
      'second',
      '--b--',
      'epilogue is ignored',
    ].join('\r\n');
    expect(splitMultipart(body, 'b')).toEqual([
      { headers: { 'content-type': 'application/http', 'content-id': '1' }, content: 'GET x HTTP/1.1\r\nAccept: application/json\r\n' },
      { headers: { 'content-type': 'application/http' }, content: 'second' },
    ]);
  });

  it('tolerates bare LF and trailing spaces on delimiter lines, as some servers write them', () => {
    const parts = splitMultipart('--b  \nA: 1\n\nbody\n--b--  \n', 'b');
    expect(parts).toEqual([{ headers: { a: '1' }, content: 'body' }]);
  });

  it('reads a bare-LF part the way it reads a CRLF one, down to the message inside it', () => {
    const crlf = '--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\nETag: W/"7"\r\n\r\n{"x":1}\r\n--b--\r\n';
    const [a] = splitMultipart(crlf, 'b');
    const [b] = splitMultipart(crlf.replaceAll('\r\n', '\n'), 'b');
    expect(b!.headers).toEqual(a!.headers);
    expect(splitHttpMessage(b!.content)).toEqual(splitHttpMessage(a!.content));
    expect(splitHttpMessage(a!.content)).toEqual({ startLine: 'HTTP/1.1 200 OK', headers: { etag: 'W/"7"' }, body: '{"x":1}' });
  });

  it('does not take a line that merely starts with the boundary for a delimiter', () => {
    const parts = splitMultipart('--b\r\n\r\n--bb is content\r\n--b--', 'b');
    expect(parts).toEqual([{ headers: {}, content: '--bb is content' }]);
  });

  it('refuses a body cut short (no closing delimiter) and a malformed header line', () => {
    expect(() => splitMultipart('--b\r\nA: 1\r\n\r\nx', 'b')).toThrow(new MultipartSyntaxError("The batch is missing its closing boundary '--b--'."));
    expect(() => splitMultipart('--b\r\nno colon here\r\n\r\nx\r\n--b--', 'b')).toThrow(MultipartSyntaxError);
  });
});

describe('parseHeaderLines and splitHttpMessage', () => {
  it('reads headers with colons in their values; refuses a line without a name', () => {
    expect(parseHeaderLines(['ETag: W/"a:b"', 'Location:  http://x/y '])).toEqual({ etag: 'W/"a:b"', location: 'http://x/y' });
    expect(() => parseHeaderLines([': no name'])).toThrow("Malformed header line in batch: ': no name'.");
  });

  it('splits an application/http part into its start line, headers and body', () => {
    const m = splitHttpMessage('\r\nHTTP/1.1 412 Precondition Failed\r\nContent-Type: application/json\r\n\r\n{"error":{}}\r\n');
    expect(m).toEqual({ startLine: 'HTTP/1.1 412 Precondition Failed', headers: { 'content-type': 'application/json' }, body: '{"error":{}}' });
    expect(splitHttpMessage('HTTP/1.1 204 No Content\r\nETag: W/"1"')).toEqual({ startLine: 'HTTP/1.1 204 No Content', headers: { etag: 'W/"1"' }, body: '' });
    expect(splitHttpMessage('\nHTTP/1.1 200 OK\nETag: W/"2"\n\n{"a":1}\n')).toEqual({ startLine: 'HTTP/1.1 200 OK', headers: { etag: 'W/"2"' }, body: '{"a":1}' });
  });

  it('reads back what writeHttpPart writes, with and without a Content-ID', () => {
    const withId = writeHttpPart('7', 'PATCH Set(1) HTTP/1.1', { 'If-Match': 'W/"a:b"' }, '{"x":1}');
    expect(withId).toBe('Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 7\r\n\r\nPATCH Set(1) HTTP/1.1\r\nIf-Match: W/"a:b"\r\n\r\n{"x":1}');
    const [part] = splitMultipart(`--b\r\n${withId}\r\n--b--\r\n`, 'b');
    expect(part!.headers).toEqual({ 'content-type': 'application/http', 'content-transfer-encoding': 'binary', 'content-id': '7' });
    expect(splitHttpMessage(part!.content)).toEqual({ startLine: 'PATCH Set(1) HTTP/1.1', headers: { 'if-match': 'W/"a:b"' }, body: '{"x":1}' });
    expect(writeHttpPart(undefined, 'HTTP/1.1 204 No Content', {}, '')).toBe('Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
  });
});
