import { describe, expect, it } from 'vitest';
import { Simulator, type WriteLogEntry } from '../../../core/simulator/simulator.ts';
import { connect, foOrderPath } from './client.ts';

/** A fixed client workload: read each order, then write it with the ETag just read. */
async function workload(sim: Simulator, rounds: number): Promise<number[]> {
  const client = await connect(sim);
  const statuses: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const path = foOrderPath('USMF', `SO-00000${(i % 5) + 1}`);
    const read = await client.get(path);
    const etag = read.headers.get('etag') ?? '*';
    await read.text();
    const write = await client.patch(path, { CustomerRequisitionNumber: `C-${i}` }, { 'if-match': etag });
    statuses.push(write.status);
  }
  return statuses;
}

const withoutTime = (log: readonly WriteLogEntry[]): Omit<WriteLogEntry, 'at'>[] => log.map(({ at: _at, ...rest }) => rest);

describe('background writers', () => {
  it('write to the requested order on request, logged by writer, reproducibly for a seed', async () => {
    const run = async (seed: number): Promise<{ log: Omit<WriteLogEntry, 'at'>[]; statuses: number[] }> => {
      const sim = await Simulator.start({ orders: 5, seed, writers: { onRequest: 0.3, sameFieldProbability: 0.5 } });
      try {
        const statuses = await workload(sim, 20);
        return { log: withoutTime(sim.writeLog), statuses };
      } finally {
        await sim.stop();
      }
    };
    const first = await run(11);
    const writerEntries = first.log.filter((e) => e.by === 'writer');
    expect(writerEntries.length).toBeGreaterThan(3);
    expect(first.log.some((e) => e.by === 'client')).toBe(true);
    // a writer touching the order between our GET and PATCH makes the PATCH stale
    expect(first.statuses).toContain(412);
    expect(first.statuses).toContain(204);
    for (const entry of writerEntries) {
      expect(entry.entity).toBe('fo');
      expect(Object.keys(entry.fields)).toHaveLength(1);
      expect(entry.etagAfter).not.toBe(entry.etagBefore);
      expect([
        'SalesOrderName',
        'CustomerRequisitionNumber',
        'RequestedShippingDate',
        'DeliveryModeCode',
        'SalesOrderStatus',
      ]).toContain(Object.keys(entry.fields)[0]);
    }
    // ETags chain: every write starts from the ETag the previous write on that order left
    const last = new Map<string, string>();
    for (const entry of first.log) {
      const previous = last.get(entry.orderNumber);
      if (previous) expect(entry.etagBefore).toBe(previous);
      last.set(entry.orderNumber, entry.etagAfter);
    }

    const again = await run(11);
    expect(again).toEqual(first);
    const other = await run(12);
    expect(other.log).not.toEqual(first.log);
  });

  it('touch only noise fields when sameFieldProbability is 0, and only contested ones when 1', async () => {
    const fieldsWritten = async (sameFieldProbability: number): Promise<Set<string>> => {
      const sim = await Simulator.start({ orders: 5, writers: { onRequest: 1, sameFieldProbability } });
      try {
        await workload(sim, 10);
        return new Set(sim.writeLog.filter((e) => e.by === 'writer').flatMap((e) => Object.keys(e.fields)));
      } finally {
        await sim.stop();
      }
    };
    const noise = await fieldsWritten(0);
    expect([...noise].every((f) => ['SalesOrderName', 'CustomerRequisitionNumber'].includes(f))).toBe(true);
    const contested = await fieldsWritten(1);
    expect(contested.size).toBeGreaterThan(0);
    expect([...contested].every((f) => ['RequestedShippingDate', 'DeliveryModeCode', 'SalesOrderStatus'].includes(f))).toBe(true);
  });

  it('move statuses only along allowed transitions', async () => {
    const sim = await Simulator.start({ orders: 1, writers: { onRequest: 1, sameFieldProbability: 1, contestedFields: ['SalesOrderStatus'] } });
    try {
      const client = await connect(sim);
      for (let i = 0; i < 4; i++) await (await client.get(foOrderPath('USMF', 'SO-000001'))).text();
      const statuses = sim.writeLog.filter((e) => 'SalesOrderStatus' in e.fields).map((e) => e.fields.SalesOrderStatus);
      expect(statuses).toEqual(['Delivered', 'Invoiced']);
      // once invoiced, the writer falls back to noise fields
      expect(sim.writeLog).toHaveLength(4);
    } finally {
      await sim.stop();
    }
  });

  it('write on a timer at perSecond to existing orders, until stopped', async () => {
    const sim = await Simulator.start({ orders: 10, writers: { perSecond: 50 } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const count = sim.writeLog.length;
      expect(count).toBeGreaterThanOrEqual(5);
      expect(count).toBeLessThanOrEqual(25);
      expect(sim.writeLog.every((e) => e.by === 'writer' && e.entity === 'fo')).toBe(true);
      sim.setWriters({ perSecond: 0 });
      const frozen = sim.writeLog.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(sim.writeLog.length).toBe(frozen);
    } finally {
      await sim.stop();
    }
  });

  it('write to BC orders when clients use Business Central', async () => {
    const sim = await Simulator.start({ orders: 2, writers: { onRequest: 1 } });
    try {
      const client = await connect(sim);
      const company = sim.bcCompanyId('USMF');
      const before = sim.bcEtag('USMF', 'SO-000001');
      const response = await client.get(`/api/v2.0/companies(${company})/salesOrders?$filter=${encodeURIComponent("number eq 'SO-000001'")}`);
      const row = ((await response.json()) as { value: Record<string, unknown>[] }).value[0];
      expect(row?.['@odata.etag']).not.toBe(before);
      expect(sim.writeLog).toHaveLength(1);
      expect(sim.writeLog[0]).toMatchObject({ by: 'writer', entity: 'bc', orderNumber: 'SO-000001' });
      expect(['shipToContact', 'externalDocumentNumber']).toContain(Object.keys(sim.writeLog[0]?.fields ?? {})[0]);
    } finally {
      await sim.stop();
    }
  });

  it('refuses writer options naming unknown fields', async () => {
    const sim = await Simulator.start({ orders: 1 });
    try {
      expect(() => sim.setWriters({ noiseFields: ['NoSuchField'] })).toThrow(/NoSuchField/);
      expect(() => sim.writeAsOtherUser('USMF', 'SO-000001', { NoSuchField: 1 })).toThrow(/NoSuchField/);
      expect(() => sim.writeAsOtherUser('USMF', 'SO-404', { SalesOrderName: 'x' })).toThrow();
    } finally {
      await sim.stop();
    }
  });
});
