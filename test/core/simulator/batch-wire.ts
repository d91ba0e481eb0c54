/** Multipart $batch bodies written and read by hand, independently of the product's own code. */

export interface PartRequest {
  method: 'GET' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  contentId?: string;
}

export interface PartResponse {
  status: number;
  contentId: string | undefined;
  headers: Record<string, string>;
  body: string;
}

function httpPart(request: PartRequest): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (request.contentId) lines.push(`Content-ID: ${request.contentId}`);
  lines.push('', `${request.method} ${request.url} HTTP/1.1`, 'Accept: application/json');
  for (const [name, value] of Object.entries(request.headers ?? {})) lines.push(`${name}: ${value}`);
  if (request.body !== undefined) lines.push('Content-Type: application/json; type=entry');
  lines.push('', request.body === undefined ? '' : JSON.stringify(request.body));
  return lines.join('\r\n');
}

/** An OData 4.0 multipart batch: plain requests and changesets (arrays). */
export function batchBody(boundary: string, items: (PartRequest | PartRequest[])[]): string {
  const chunks: string[] = [];
  items.forEach((item, i) => {
    chunks.push(`--${boundary}\r\n`);
    if (!Array.isArray(item)) {
      chunks.push(httpPart(item), '\r\n');
      return;
    }
    const changeset = `changeset_${i}_77162fcd`;
    chunks.push(`Content-Type: multipart/mixed; boundary=${changeset}\r\n\r\n`);
    for (const request of item) chunks.push(`--${changeset}\r\n`, httpPart(request), '\r\n');
    chunks.push(`--${changeset}--\r\n`);
  });
  chunks.push(`--${boundary}--\r\n`);
  return chunks.join('');
}

/** Reads a multipart batch response into a list per top-level part (changesets nested). */
export function readBatch(contentType: string, body: string): (PartResponse | PartResponse[])[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1] as string;
  const split = (text: string, b: string): string[] =>
    text
      .split(`--${b}`)
      .slice(1)
      .filter((p) => !p.startsWith('--'));
  const single = (part: string): PartResponse => {
    const [mime, http] = part.split(/\r\n\r\n(?=HTTP\/1\.1)/) as [string, string];
    const [head, ...rest] = http.split('\r\n\r\n');
    const lines = (head as string).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
    return {
      status: Number(/HTTP\/1\.1 (\d{3})/.exec(lines[0] as string)?.[1]),
      contentId: /Content-ID: (\S+)/i.exec(mime)?.[1],
      headers,
      body: rest.join('\r\n\r\n').trim(),
    };
  };
  return split(body, boundary).map((part) => {
    const inner = /Content-Type: multipart\/mixed; boundary=(\S+)/i.exec(part.split('\r\n\r\n')[0] as string);
    if (inner) return split(part, inner[1] as string).map(single);
    return single(part);
  });
}
