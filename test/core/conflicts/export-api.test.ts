/**
 * Exports and search through the AgentApi, as both transports carry them: the IPC bridge
 * (structured clone) and the headless server (JSON).
 */
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../../core/agent.ts';
import type { ApiResult, ExportFile } from '../../../core/api.ts';
import { Outbox } from '../../../core/outbox/outbox.ts';
import { MemorySecretStore } from '../../../core/secrets.ts';
import { input, manualClock, tempDir } from '../outbox/fixtures.ts';
import path from 'node:path';

const agents: Agent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
});

async function agentWithConflicts() {
  const clock = manualClock(Date.UTC(2026, 10, 22, 23, 30, 0));
  const dataDir = tempDir();
  const outbox = Outbox.open(path.join(dataDir, 'outbox.sqlite'), { now: clock.now });
  for (const [order, theirs] of [['SO-1150', 'Müller ø 中'], ['SO-2119999', '+1-555-0100']] as const) {
    const { id } = outbox.enqueue(input(order, { CustomerName: `ours ${order}` }));
    outbox.claim(id);
    outbox.markConflict(id, [{ field: 'CustomerName', base: 'before', ours: `ours ${order}`, theirs }], 'W/"1"');
  }
  const agent = await Agent.open({ dataDir, secrets: new MemorySecretStore(), queuedBy: 'me@desk', connect: false, now: clock.now, outbox });
  agents.push(agent);
  return agent;
}

/** What each transport hands the UI. */
const overIpc = (r: ApiResult<unknown>) => structuredClone(r);
const overHttp = (r: ApiResult<unknown>) => JSON.parse(JSON.stringify(r)) as ApiResult<unknown>;

describe('exportConflicts over the API', () => {
  it('XLSX travels as base64 and arrives as the same workbook over IPC and HTTP', async () => {
    const agent = await agentWithConflicts();
    const r = await agent.invoke('exportConflicts', { format: 'xlsx', timeZone: 'Asia/Tokyo' });
    if (!r.ok) throw new Error(r.error.message);
    const file = r.value as ExportFile;
    expect(file).toMatchObject({ filename: 'outbox-conflicts-2026-11-23.xlsx', encoding: 'base64', count: 2, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    for (const carried of [overIpc(r), overHttp(r)]) {
      expect(carried).toEqual(r);
      const bytes = Buffer.from((carried as { value: ExportFile }).value.body, 'base64');
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(bytes as unknown as ArrayBuffer);
      const rows = book.getWorksheet('conflicts')!.getSheetValues().slice(2) as unknown[][];
      expect(rows.map((row) => row[5])).toEqual(['SO-1150', 'SO-2119999']);
      expect(rows.map((row) => row[9])).toEqual(['Müller ø 中', '+1-555-0100']);
      // 23:30 UTC is 08:30 the next day in Tokyo
      expect((rows[0]![11] as Date).toISOString()).toBe('2026-11-23T08:30:00.000Z');
    }
  });

  it('CSV and JSON travel as text; nothing matching is count 0 with an empty body', async () => {
    const agent = await agentWithConflicts();
    const api = agent.api();
    const csv = await api.exportConflicts({ format: 'csv', search: 'müller' });
    expect(csv).toMatchObject({ encoding: 'utf-8', count: 1, filename: 'outbox-conflicts-2026-11-22.csv' });
    expect(csv.body.startsWith('\ufeffid,updateId,profile,company,orderNumber,')).toBe(true);
    const json = await api.exportConflicts({ format: 'json', until: '2026-11-22' });
    expect(json).toMatchObject({ count: 0, body: '' });
    expect(await api.exportConflicts({ format: 'xlsx', search: 'nothing' })).toMatchObject({ count: 0, body: '', encoding: 'base64' });
  });

  it('refuses a time zone it does not know, saying what it takes', async () => {
    const agent = await agentWithConflicts();
    const r = await agent.invoke('exportConflicts', { format: 'xlsx', timeZone: 'Europe/Atlantis' });
    expect(r).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: 'time zone "Europe/Atlantis" is not an IANA time zone like Europe/Berlin or a UTC offset like +05:30' } });
    expect(await agent.invoke('exportConflicts', { format: 'xls' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });

  it('listConflicts and listUpdates search alike, and the queue says how many match', async () => {
    const agent = await agentWithConflicts();
    const api = agent.api();
    expect((await api.listConflicts({ search: '555' })).map((c) => c.orderNumber)).toEqual(['SO-2119999']);
    expect((await api.listConflicts({ search: 'so-' })).map((c) => c.orderNumber)).toEqual(['SO-2119999', 'SO-1150']);
    const page = await api.listUpdates({ search: 'OURS so-1150' });
    expect(page.items.map((u) => u.orderNumber)).toEqual(['SO-1150']);
    expect(page.matches).toEqual({ count: 1, more: false });
    expect(await agent.invoke('listConflicts', { orderNumber: 'SO-1150' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });
});
