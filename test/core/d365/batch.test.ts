import { afterEach, describe, expect, it } from 'vitest';
import { buildMultipartBatch, parseMultipartReply, type BatchCall } from '../../../core/d365/batch.ts';
import { MultipartSyntaxError } from '../../../core/d365/multipart.ts';
import { nextEvent, rig, type Rig } from '../engine/harness.ts';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const order = (i: number) => `SO-${String(i).padStart(6, '0')}`;

describe('$batch wire format', () => {
  const wire = (index: number, target: string, call: BatchCall) => ({ id: String(index + 1), index, target, call });

  it('puts GETs as plain parts and each order\'s PATCHes in a changeset of their own, every part with a Content-ID', () => {
    let n = 0;
    const { contentType, body, layout } = buildMultipartBatch(
      [
        { atomic: false, calls: [wire(0, 'E(1)', { method: 'GET', url: 'http://x/data/E(1)', headers: { accept: 'application/json' } })] },
        { atomic: true, calls: [wire(1, 'E(2)', { method: 'PATCH', url: 'http://x/data/E(2)', headers: { 'if-match': 'W/"a"' }, body: '{"A":1}' })] },
        { atomic: true, calls: [wire(2, 'E(3)', { method: 'PATCH', url: 'http://x/data/E(3)', headers: { 'if-match': 'W/"b"' }, body: '{"A":2}' })] },
      ],
      () => `id${++n}`,
    );
    expect(contentType).toBe('multipart/mixed; boundary=batch_id1');
    expect(body.match(/boundary=changeset_/g)).toHaveLength(2);
    expect(body.match(/Content-ID: \d/g)).toEqual(['Content-ID: 1', 'Content-ID: 2', 'Content-ID: 3']);
    expect(body).toContain('GET E(1) HTTP/1.1');
    expect(body).toContain('PATCH E(3) HTTP/1.1\r\nif-match: W/"b"\r\n\r\n{"A":2}');
    expect(body.trimEnd().endsWith('--batch_id1--')).toBe(true);
    expect(layout.map((item) => item.map((c) => c.index))).toEqual([[0], [1], [2]]);
  });

  it('reads mixed results in one response, and a changeset that failed alone, with where each came from', () => {
    const body = [
      '--b',
      'Content-Type: application/http',
      '',
      'HTTP/1.1 200 OK',
      'Content-Type: application/json',
      '',
      '{"@odata.etag":"W/\\"1\\"","A":"x"}',
      '--b',
      'Content-Type: multipart/mixed; boundary=c1',
      '',
      '--c1',
      'Content-Type: application/http',
      'Content-ID: 2',
      '',
      'HTTP/1.1 412 Precondition Failed',
      'Content-Type: application/json',
      '',
      '{"error":{"code":"","message":"stale"}}',
      '--c1--',
      '--b',
      'Content-Type: multipart/mixed; boundary=c2',
      '',
      '--c2',
      'Content-Type: application/http',
      'Content-ID: 3',
      '',
      'HTTP/1.1 204 No Content',
      'ETag: W/"9"',
      '',
      '',
      '--c2--',
      '--b--',
      '',
    ].join('\r\n');
    const replies = parseMultipartReply('multipart/mixed; boundary=b', body);
    expect(replies.map((p) => [p.status, p.contentId, p.item])).toEqual([
      [200, undefined, 0],
      [412, '2', 1],
      [204, '3', 2],
    ]);
    expect(JSON.parse(replies[0]!.text)).toMatchObject({ A: 'x' });
    expect(replies[2]!.headers.etag).toBe('W/"9"');
  });

  it('refuses an answer that is not multipart or has a broken status line', () => {
    expect(() => parseMultipartReply('application/json', '{}')).toThrow(MultipartSyntaxError);
    expect(() => parseMultipartReply('multipart/mixed; boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nnonsense\r\n--b--')).toThrow(/status line/);
  });
});

describe('draining in $batch against the simulator', () => {
  it('sends K orders in two round trips: one batch of GETs, one of changesets', async () => {
    r = await rig();
    r.outbox.transaction(() => {
      for (let i = 1; i <= 10; i++) r!.enqueue(order(i), { DeliveryModeCode: `B${i}` });
    });
    expect((await r.drainer.drainUntilIdle()).done).toBe(10);
    const data = r.sim.requestLog.filter((e) => e.path.startsWith('/data'));
    expect(data.map((e) => `${e.method} ${e.path.split('?')[0]}`)).toEqual(['POST /data/$batch', 'POST /data/$batch']);
    for (let i = 1; i <= 10; i++) expect(r.sim.order('USMF', order(i))!.DeliveryModeCode).toBe(`B${i}`);
    expect(r.client.batching).toBe(true);
  });

  it('one order\'s 412 and another\'s 400 do not sink the others', async () => {
    r = await rig();
    r.sim.seedOrder('USMF', 'SO-INVOICED', { SalesOrderStatus: 'Invoiced' });
    r.sim.script({ method: 'PATCH', pathIncludes: 'SO-000002', kind: 'writer', fields: { SalesOrderName: 'noise' } });
    const ids = r.outbox.transaction(() => [
      r!.enqueue(order(1), { DeliveryModeCode: 'X1' }),
      r!.enqueue(order(2), { DeliveryModeCode: 'X2' }),
      r!.enqueue('SO-INVOICED', { SalesOrderStatus: 'Backorder' }),
      r!.enqueue(order(3), { DeliveryModeCode: 'X3' }),
    ]);
    const summary = await r.drainer.drainUntilIdle();
    expect(summary).toMatchObject({ done: 3, failed: 1, conflict: 0 });
    expect(r.outbox.get(ids[2]!)!.lastError!.message).toMatch(/Invoiced/);
    expect(r.outbox.history(ids[1]!).map((h) => h.kind)).toContain('retrying');
    for (const [i, v] of [[1, 'X1'], [2, 'X2'], [3, 'X3']] as const) expect(r.sim.order('USMF', order(i))!.DeliveryModeCode).toBe(v);
  });

  it('a throttled part pauses the whole drain for its Retry-After', async () => {
    r = await rig();
    r.sim.script({ method: 'GET', pathIncludes: 'SO-000002', kind: 'throttle', retryAfter: 2 });
    r.outbox.transaction(() => {
      for (let i = 1; i <= 3; i++) r!.enqueue(order(i), { DeliveryModeCode: 'T' });
    });
    const paused = nextEvent(r, (e) => e.type === 'paused' && e.reason === 'throttled');
    expect((await r.drainer.drainUntilIdle()).done).toBe(3);
    const p = await paused;
    const after = r.sim.requestLog.filter((e) => e.at >= p.at && e.path.startsWith('/data'));
    expect(after.length).toBeGreaterThan(0);
    expect(after[0]!.at - p.at).toBeGreaterThanOrEqual(1900);
  });

  it('falls back to single requests where the server refuses batches', async () => {
    r = await rig({ batch: false });
    r.outbox.transaction(() => {
      for (let i = 1; i <= 5; i++) r!.enqueue(order(i), { DeliveryModeCode: 'S' });
    });
    expect((await r.drainer.drainUntilIdle()).done).toBe(5);
    expect(r.client.batching).toBe(false);
    const data = r.sim.requestLog.filter((e) => e.path.startsWith('/data'));
    expect(data.filter((e) => e.path.startsWith('/data/$batch'))).toHaveLength(1);
    expect(data.filter((e) => e.method === 'PATCH')).toHaveLength(5);
  });

  it('surfaces a same-field change inside a batch as a conflict and applies the rest', async () => {
    r = await rig();
    const ids = r.outbox.transaction(() => [
      r!.enqueue(order(1), { DeliveryModeCode: 'OURS' }, { DeliveryModeCode: '10' }),
      r!.enqueue(order(2), { DeliveryModeCode: 'OURS' }, { DeliveryModeCode: '10' }),
    ]);
    r.sim.writeAsOtherUser('USMF', order(2), { DeliveryModeCode: 'THEIRS' });
    expect(await r.drainer.drainUntilIdle()).toMatchObject({ done: 1, conflict: 1 });
    expect(r.outbox.get(ids[1]!)!.state).toBe('conflict');
    expect(r.sim.order('USMF', order(1))!.DeliveryModeCode).toBe('OURS');
    expect(r.sim.order('USMF', order(2))!.DeliveryModeCode).toBe('THEIRS');
  });
});
