import { request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BatchExchange, type Answer, type BatchTransport } from '../../../core/d365/batch-exchange.ts';
import type { BatchCall } from '../../../core/d365/batch.ts';
import { SINGLE_REQUESTS_FOR_MS, type BatchSettings } from '../../../core/d365/batch-settings.ts';
import { createDispatcher } from '../../../core/d365/client.ts';
import { D365Error } from '../../../core/d365/errors.ts';
import { keyPredicate } from '../../../core/d365/odata.ts';
import { Simulator } from '../../../core/simulator/simulator.ts';
import type { SimulatorOptions } from '../../../core/simulator/types.ts';
import { connect } from '../simulator/client.ts';

const dispatcher = createDispatcher({ connectMs: 2000, headersMs: 5000, bodyMs: 5000 });
afterAll(() => dispatcher.close());
let sim: Simulator | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

const NOW = Date.UTC(2026, 10, 22, 8);

/** A BatchExchange whose transport is plain HTTP to the simulator, recording every $batch it posts. */
async function exchange(o: { sim?: SimulatorOptions; maxOperations?: number; settings?: BatchSettings; enabled?: boolean } = {}) {
  sim = await Simulator.start({ orders: 10, ...o.sim });
  const { token } = await connect(sim);
  const root = sim.foDataUrl;
  const posted: string[] = [];
  const single: string[] = [];
  const learned: { settings: BatchSettings; notice: string | null }[] = [];
  const send = async (method: string, url: string, headers: Record<string, string>, body?: string): Promise<Answer> => {
    const res = await request(url, { method, dispatcher, headers: { ...headers, authorization: `Bearer ${token}` }, body });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };
  const classify = (a: Answer, what: string) => new D365Error(a.status === 412 ? 'CONCURRENCY' : a.status === 404 ? 'NOT_FOUND' : a.status >= 500 ? 'SERVER' : 'VALIDATION', `${what}: ${a.status}`, { status: a.status });
  const transport: BatchTransport = {
    async post(body, headers, what) {
      posted.push(body);
      const a = await send('POST', `${root}/$batch`, headers, body);
      if (a.status === 429) throw new D365Error('THROTTLED', `${what}: throttled`, { status: 429, retryAfterMs: 1000 });
      return a;
    },
    async singly(calls, whats) {
      const out: (Answer | D365Error)[] = [];
      for (const [i, c] of calls.entries()) {
        single.push(`${c.method} ${c.url}`);
        const a = await send(c.method, c.url, c.headers, c.body);
        out.push(a.status < 300 ? a : classify(a, whats[i]!));
      }
      return out;
    },
    classify,
  };
  const ex = new BatchExchange({ serviceRoot: root, format: 'multipart', maxOperations: o.maxOperations ?? 50, enabled: o.enabled ?? true, settings: o.settings ?? {}, now: () => NOW, transport, onLearned: (settings, notice) => learned.push({ settings, notice }) });
  const get = (orderNumber: string): BatchCall => ({ method: 'GET', url: `${root}/SalesOrderHeadersV2${keyPredicate({ dataAreaId: 'USMF', SalesOrderNumber: orderNumber })}?cross-company=true`, headers: { accept: 'application/json' } });
  const gets = (...orders: string[]) => ex.exchange(orders.map(get), orders.map((o) => `GET ${o}`));
  return { sim, ex, posted, single, learned, get, gets };
}

const orderOf = (a: Answer | D365Error) => (a instanceof D365Error ? a.code : (JSON.parse(a.text) as { SalesOrderNumber: string }).SalesOrderNumber);
const requestLines = (body: string) => body.split('\r\n').filter((l) => /^(GET|PATCH) /.test(l));

describe('BatchExchange over real HTTP to the simulator', () => {
  it('answers in the order of the calls, in batches of at most the limit, request lines relative to the service root', async () => {
    const x = await exchange({ maxOperations: 2 });
    const answers = await x.gets('SO-000001', 'SO-000002', 'SO-000003', 'SO-000004', 'SO-000005');
    expect(answers.map(orderOf)).toEqual(['SO-000001', 'SO-000002', 'SO-000003', 'SO-000004', 'SO-000005']);
    expect(x.posted.map((b) => requestLines(b).length)).toEqual([2, 2, 1]);
    expect(requestLines(x.posted[0]!)[0]).toMatch(/^GET SalesOrderHeadersV2\(dataAreaId='USMF',SalesOrderNumber='SO-000001'\)\?cross-company=true HTTP\/1\.1$/);
    expect(x.ex.batching).toBe(true);
  });

  it('a lower limit learned for the connection applies', async () => {
    const x = await exchange({ maxOperations: 50, settings: { maxOperations: 3 } });
    await x.gets('SO-000001', 'SO-000002', 'SO-000003', 'SO-000004');
    expect(x.posted.map((b) => requestLines(b).length)).toEqual([3, 1]);
  });

  it('never splits a group (one order\'s PATCHes): it moves to the next batch whole', async () => {
    const x = await exchange({ maxOperations: 2 });
    const patch = (orderNumber: string, group: string): BatchCall => ({ ...x.get(orderNumber), method: 'PATCH', headers: { 'if-match': '*', 'content-type': 'application/json' }, body: '{"SalesOrderName":"x"}', group });
    const calls = [patch('SO-000001', 'one'), patch('SO-000002', 'two'), patch('SO-000002', 'two')];
    await x.ex.exchange(calls, ['a', 'b', 'c']);
    expect(x.posted.map((b) => requestLines(b).map((l) => /SalesOrderNumber='(SO-\d+)'/.exec(l)![1]))).toEqual([['SO-000001'], ['SO-000002', 'SO-000002']]);
  });

  it('maps answers by Content-ID when the server shuffles them', async () => {
    const x = await exchange({ sim: { batchRules: { answerOrder: 'shuffled' }, seed: 7 } });
    const orders = ['SO-000001', 'SO-000002', 'SO-000003', 'SO-000004', 'SO-000005', 'SO-000006'];
    expect((await x.gets(...orders)).map(orderOf)).toEqual(orders);
  });

  it('what a server that stopped early never ran comes back NOT_EXECUTED, to go again', async () => {
    const x = await exchange({ sim: { batchRules: { stopAtFailure: 'always' } } });
    const answers = await x.gets('SO-000001', 'NO-SUCH', 'SO-000002', 'SO-000003');
    expect(answers.map(orderOf)).toEqual(['SO-000001', 'NOT_FOUND', 'NOT_EXECUTED', 'NOT_EXECUTED']);
    expect((answers[2] as D365Error).message).toBe('GET SO-000002: not executed — the server stopped the $batch before it; it goes again');
  });

  it('a server that does not take $batch: the same calls singly, and single requests for six hours, said once', async () => {
    const x = await exchange({ sim: { batch: false } });
    expect((await x.gets('SO-000001', 'SO-000002')).map(orderOf)).toEqual(['SO-000001', 'SO-000002']);
    expect(x.single).toHaveLength(2);
    expect(x.learned).toEqual([{ settings: { singleRequestsUntil: NOW + SINGLE_REQUESTS_FOR_MS }, notice: expect.stringMatching(/^Sending single requests to D365 until 2026-11-22T14:00:00\.000Z: the server does not take \$batch/) }]);
    expect(x.ex.batching).toBe(false);
    const posts = x.posted.length;
    await x.gets('SO-000003', 'SO-000004');
    expect(x.posted).toHaveLength(posts);
    expect(x.single).toHaveLength(4);
  });

  it('trouble with the connection stands for every call still to go, without sending more', async () => {
    const x = await exchange({ maxOperations: 2 });
    x.sim.script({ method: 'POST', kind: 'throttle', retryAfter: 1 });
    const answers = await x.gets('SO-000001', 'SO-000002', 'SO-000003', 'SO-000004');
    expect(answers.map(orderOf)).toEqual(['THROTTLED', 'THROTTLED', 'THROTTLED', 'THROTTLED']);
    expect(new Set(answers).size).toBe(1);
    expect(x.posted).toHaveLength(1);
  });

  it('switched off, or with one call, it sends singly; batching is unknown until a batch was answered', async () => {
    const off = await exchange({ enabled: false });
    expect(off.ex.batching).toBe(false);
    await off.gets('SO-000001', 'SO-000002');
    expect([off.posted.length, off.single.length]).toEqual([0, 2]);
    await sim!.stop();
    const one = await exchange();
    expect(one.ex.batching).toBeNull();
    await one.gets('SO-000001');
    expect([one.posted.length, one.single.length, one.ex.batching]).toEqual([0, 1, null]);
  });

  it('a connection told to send singly until later does so until then, and batches again after', async () => {
    const x = await exchange({ settings: { singleRequestsUntil: NOW + 1 } });
    expect(x.ex.batching).toBe(false);
    await x.gets('SO-000001', 'SO-000002');
    expect(x.posted).toHaveLength(0);
    await sim!.stop();
    const later = await exchange({ settings: { singleRequestsUntil: NOW } });
    await later.gets('SO-000001', 'SO-000002');
    expect(later.posted).toHaveLength(1);
  });
});
