import { afterEach, describe, expect, it } from 'vitest';
import { STRICT_SERVER, Simulator, type BatchRules } from '../../../core/simulator/simulator.ts';
import { batchBody, readBatch, type PartRequest, type PartResponse } from './batch-wire.ts';
import { connect, foOrderPath, type TestClient } from './client.ts';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function start(rules: Partial<BatchRules>, orders = 5): Promise<TestClient> {
  sim = await Simulator.start({ orders, batchRules: rules });
  return connect(sim);
}

const relative = (n: number) => `SalesOrderHeadersV2(dataAreaId='USMF',SalesOrderNumber='SO-${String(n).padStart(6, '0')}')`;
const get = (url: string, contentId?: string): PartRequest => ({ method: 'GET', url, ...(contentId ? { contentId } : {}) });

async function post(client: TestClient, items: (PartRequest | PartRequest[])[], headers: Record<string, string> = {}, path = '/data/$batch') {
  const response = await client.post(path, batchBody('b', items), { 'content-type': 'multipart/mixed; boundary=b', ...headers });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, type, text, parts: type.startsWith('multipart/mixed') ? readBatch(type, text) : [] };
}

const flat = (parts: (PartResponse | PartResponse[])[]): PartResponse[] => parts.flatMap((p) => (Array.isArray(p) ? p : [p]));

describe('request-line forms', () => {
  it('a relative-only server refuses absolute URIs and absolute paths with 404, and serves relative ones', async () => {
    const client = await start({ requestLines: 'relative' });
    const { parts } = await post(client, [get(`${sim!.url}${foOrderPath('USMF', 'SO-000001')}`), get(foOrderPath('USMF', 'SO-000002')), get(relative(3))]);
    const [absoluteUri, absolutePath, rel] = flat(parts);
    expect(absoluteUri?.status).toBe(404);
    expect(JSON.parse(absoluteUri!.body).error.message).toBe("Resource not found for the segment 'http:'.");
    expect(absolutePath?.status).toBe(404);
    expect(JSON.parse(absolutePath!.body).error.message).toBe("Resource not found for the segment 'data'.");
    expect(rel?.status).toBe(200);
    expect(JSON.parse(rel!.body).SalesOrderNumber).toBe('SO-000003');
  });

  it('a lenient server takes all three forms', async () => {
    const client = await start({ requestLines: 'any' });
    const { parts } = await post(client, [get(`${sim!.url}${foOrderPath('USMF', 'SO-000001')}`), get(foOrderPath('USMF', 'SO-000002')), get(relative(3))]);
    expect(flat(parts).map((p) => p.status)).toEqual([200, 200, 200]);
  });
});

describe('stopping at the first failing part', () => {
  const items = () => [get(relative(1), '1'), get(relative(999), '2'), get(relative(2), '3')];

  it('stops unless Prefer: odata.continue-on-error', async () => {
    const client = await start({ stopAtFailure: 'unless-continue-on-error' });
    expect(flat((await post(client, items())).parts).map((p) => [p.contentId, p.status])).toEqual([
      ['1', 200],
      ['2', 404],
    ]);
    const going = await post(client, items(), { prefer: 'odata.continue-on-error' });
    expect(flat(going.parts).map((p) => p.status)).toEqual([200, 404, 200]);
  });

  it("'always' ignores the preference, as some servers do", async () => {
    const client = await start({ stopAtFailure: 'always' });
    expect(flat((await post(client, items(), { prefer: 'odata.continue-on-error' })).parts)).toHaveLength(2);
  });

  it('never executes what comes after the stop', async () => {
    const client = await start({ stopAtFailure: 'always' });
    const etag = sim!.etag('USMF', 'SO-000002')!;
    await post(client, [get(relative(999)), [{ method: 'PATCH', url: relative(2), headers: { 'If-Match': etag }, body: { SalesOrderName: 'x' }, contentId: '2' }]]);
    expect(sim!.writeLog).toHaveLength(0);
    expect(sim!.etag('USMF', 'SO-000002')).toBe(etag);
  });
});

describe('failed changesets and failed batches', () => {
  const twoInOne = (stale: string, fresh: string): PartRequest[] => [
    { method: 'PATCH', url: relative(1), headers: { 'If-Match': fresh }, body: { SalesOrderName: 'first' }, contentId: 'a' },
    { method: 'PATCH', url: relative(2), headers: { 'If-Match': stale }, body: { SalesOrderName: 'second' }, contentId: 'b' },
  ];

  it('collapses a failed changeset to one part by default', async () => {
    const client = await start({});
    const stale = sim!.etag('USMF', 'SO-000002')!;
    sim!.writeAsOtherUser('USMF', 'SO-000002', { SalesOrderName: 'moved' });
    const { parts } = await post(client, [twoInOne(stale, sim!.etag('USMF', 'SO-000001')!)]);
    expect((parts[0] as PartResponse[]).map((p) => [p.contentId, p.status])).toEqual([['b', 412]]);
    expect(sim!.order('USMF', 'SO-000001')?.SalesOrderName).not.toBe('first');
  });

  it("answers every request of a failed changeset with 'failed-dependency'", async () => {
    const client = await start({ failedGroup: 'failed-dependency' });
    const stale = sim!.etag('USMF', 'SO-000002')!;
    sim!.writeAsOtherUser('USMF', 'SO-000002', { SalesOrderName: 'moved' });
    const { parts } = await post(client, [twoInOne(stale, sim!.etag('USMF', 'SO-000001')!)]);
    expect((parts[0] as PartResponse[]).map((p) => [p.contentId, p.status])).toEqual([
      ['a', 424],
      ['b', 412],
    ]);
  });

  it("reports the rolled-back request's own 204 with 'report-original', yet keeps nothing of it", async () => {
    const client = await start({ failedGroup: 'report-original' });
    const stale = sim!.etag('USMF', 'SO-000002')!;
    sim!.writeAsOtherUser('USMF', 'SO-000002', { SalesOrderName: 'moved' });
    const before = sim!.etag('USMF', 'SO-000001');
    const { parts } = await post(client, [twoInOne(stale, before!)]);
    expect((parts[0] as PartResponse[]).map((p) => p.status)).toEqual([204, 412]);
    expect(sim!.etag('USMF', 'SO-000001')).toBe(before);
    expect(sim!.order('USMF', 'SO-000001')?.SalesOrderName).not.toBe('first');
  });

  it('answers a batch in which a part failed with an outer 400 and the parts, as Dataverse documents', async () => {
    const client = await start({ failedBatchStatus: 400 });
    const failed = await post(client, [get(relative(1)), get(relative(999))], { prefer: 'odata.continue-on-error' });
    expect(failed.status).toBe(400);
    expect(flat(failed.parts).map((p) => p.status)).toEqual([200, 404]);
    expect((await post(client, [get(relative(1))])).status).toBe(200);
  });
});

describe('answers', () => {
  it('can come back shuffled, each with its Content-ID', async () => {
    const client = await start({ answerOrder: 'shuffled' }, 12);
    const items = Array.from({ length: 12 }, (_, i) => get(relative(i + 1), String(i + 1)));
    const answers = flat((await post(client, items)).parts);
    const ids = answers.map((p) => p.contentId);
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(items.map((i) => i.contentId));
    expect(ids).not.toEqual(items.map((i) => i.contentId));
    for (const a of answers) expect(JSON.parse(a.body).SalesOrderNumber).toBe(`SO-${a.contentId!.padStart(6, '0')}`);
  });

  it('can leave the Content-IDs out', async () => {
    const client = await start({ answerIds: 'omit' });
    expect(flat((await post(client, [get(relative(1), '1')])).parts)[0]?.contentId).toBeUndefined();
  });

  it('refuses more operations than the flavour documents (Business Central: 100)', async () => {
    const client = await start({});
    const company = sim!.bcCompanyId('USMF');
    const items = Array.from({ length: 101 }, () => get(`companies(${company})/salesOrders?$filter=number eq 'SO-000001'`));
    const refused = await post(client, items, {}, '/api/v2.0/$batch');
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error.message).toMatch(/101 operations; at most 100/);
    expect((await post(client, items.slice(0, 100), {}, '/api/v2.0/$batch')).status).toBe(200);
  });

  it('STRICT_SERVER puts the strictest rules together', () => {
    expect(STRICT_SERVER).toMatchObject({ requestLines: 'relative', stopAtFailure: 'unless-continue-on-error', failedGroup: 'collapse', failedBatchStatus: 400 });
  });
});

describe("Business Central's JSON batch", () => {
  async function jsonBatch(client: TestClient, requests: unknown[], headers: Record<string, string> = {}) {
    const response = await client.post('/api/v2.0/$batch', JSON.stringify({ requests }), { 'content-type': 'application/json', accept: 'application/json', ...headers });
    return { status: response.status, type: response.headers.get('content-type') ?? '', json: (await response.json()) as { responses: { id: string | null; status: number; headers: Record<string, string>; body?: Record<string, unknown> }[] } };
  }

  function orderUrl(n: number): string {
    const id = String(sim!.bcOrder('USMF', `SO-${String(n).padStart(6, '0')}`)!.id);
    return `companies(${sim!.bcCompanyId('USMF')})/salesOrders(${id})`;
  }

  it('answers {"responses":[…]} with ids, per-request If-Match and 409 for a stale one', async () => {
    const client = await start({});
    const stale = sim!.bcEtag('USMF', 'SO-000002')!;
    sim!.writeAsOtherUser('USMF', 'SO-000002', { externalDocumentNumber: 'theirs' }, 'bc');
    const { status, type, json } = await jsonBatch(client, [
      { id: 'r1', method: 'GET', url: `${orderUrl(1)}?$select=number,status` },
      { id: 'r2', method: 'PATCH', url: orderUrl(2), headers: { 'Content-Type': 'application/json', 'If-Match': stale }, body: { externalDocumentNumber: 'mine' }, atomicityGroup: 'g2' },
      { id: 'r3', method: 'PATCH', url: orderUrl(3), headers: { 'If-Match': sim!.bcEtag('USMF', 'SO-000003')! }, body: { externalDocumentNumber: 'mine' }, atomicityGroup: 'g3' },
    ]);
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/json/);
    expect(json.responses.map((r) => [r.id, r.status])).toEqual([
      ['r1', 200],
      ['r2', 409],
      ['r3', 200],
    ]);
    expect(json.responses[0]?.body).toMatchObject({ number: 'SO-000001' });
    expect(json.responses[2]?.headers.etag).toBe(sim!.bcEtag('USMF', 'SO-000003'));
    expect(sim!.bcOrder('USMF', 'SO-000003')?.externalDocumentNumber).toBe('mine');
    expect(sim!.bcOrder('USMF', 'SO-000002')?.externalDocumentNumber).toBe('theirs');
  });

  it("with 'report-original', answers 200 for a request it rolled back inside a failed atomicity group, with null ids", async () => {
    const client = await start({ failedGroup: 'report-original', answerIds: 'omit' });
    const etag = sim!.bcEtag('USMF', 'SO-000001')!;
    const { json } = await jsonBatch(client, [
      { id: 'a', method: 'PATCH', url: orderUrl(1), headers: { 'If-Match': etag }, body: { externalDocumentNumber: 'one' }, atomicityGroup: 'g' },
      // the same ETag again: stale by now, so the group fails and the first write is undone
      { id: 'b', method: 'PATCH', url: orderUrl(1), headers: { 'If-Match': etag }, body: { shipToName: 'two' }, atomicityGroup: 'g' },
    ]);
    expect(json.responses.map((r) => [r.id, r.status])).toEqual([
      [null, 200],
      [null, 409],
    ]);
    expect(sim!.bcEtag('USMF', 'SO-000001')).toBe(etag);
    expect(sim!.bcOrder('USMF', 'SO-000001')?.externalDocumentNumber).toBe('');
    expect(sim!.writeLog).toHaveLength(0);
  });

  it('refuses an atomicity group whose requests are not adjacent, and a body without requests', async () => {
    const client = await start({});
    const split = await client.post(
      '/api/v2.0/$batch',
      JSON.stringify({ requests: [{ id: '1', method: 'GET', url: orderUrl(1), atomicityGroup: 'g' }, { id: '2', method: 'GET', url: orderUrl(2) }, { id: '3', method: 'GET', url: orderUrl(3), atomicityGroup: 'g' }] }),
      { 'content-type': 'application/json' },
    );
    expect(split.status).toBe(400);
    expect(((await split.json()) as { error: { message: string } }).error.message).toMatch(/adjacent/);
    expect((await client.post('/api/v2.0/$batch', '{"value":[]}', { 'content-type': 'application/json' })).status).toBe(400);
  });
});
