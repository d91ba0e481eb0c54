import { describe, expect, it } from 'vitest';
import { readCsv } from '../../../core/csv/csv.ts';
import { CONFLICT_CSV_COLUMNS, exportConflicts, iterateConflicts, parseDateFilter } from '../../../core/conflicts/conflict-log.ts';
import type { Outbox } from '../../../core/outbox/outbox.ts';
import type { FieldValue } from '../../../core/outbox/types.ts';
import { input, manualClock, openTestOutbox } from '../outbox/fixtures.ts';

function conflict(outbox: Outbox, orderNumber: string, ours: FieldValue, theirs: FieldValue = 'Invoiced', base: FieldValue = 'Backorder', etag: string | null = 'W/"JzEsNTYzNzE0NDU3NjswLDA7Jw=="') {
  const { id } = outbox.enqueue(input(orderNumber, { SalesOrderStatus: ours }));
  outbox.claim(id);
  outbox.markConflict(id, [{ field: 'SalesOrderStatus', base, ours, theirs }], etag);
  return id;
}

const text = (chunks: Iterable<string>) => [...chunks].join('');

function csvRows(csv: string) {
  expect(csv.startsWith('\ufeff')).toBe(true);
  const [header, ...rows] = [...readCsv(csv)].map((r) => r.cells);
  expect(header).toEqual([...CONFLICT_CSV_COLUMNS]);
  return rows.map((cells) => Object.fromEntries(CONFLICT_CSV_COLUMNS.map((c, i) => [c, cells[i]])) as Record<(typeof CONFLICT_CSV_COLUMNS)[number], string>);
}

describe('conflict export', () => {
  it('neutralises formula cells in CSV and keeps raw values in JSON', () => {
    const clock = manualClock(Date.UTC(2026, 10, 22, 8, 0, 0));
    const { outbox } = openTestOutbox({ now: clock.now });
    const hostile = ['=HYPERLINK("http://x","y")', '+1+1', '-2', '@SUM(A1)', '\tTab', '\rCR'];
    for (const [i, h] of hostile.entries()) conflict(outbox, `SO-${i}`, h, h, h);
    conflict(outbox, '=cmd|" /C calc"!A0', 'ok');

    const csv = text(exportConflicts(outbox.db, 'csv'));
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    const rows = csvRows(csv);
    expect(rows).toHaveLength(hostile.length + 1);
    for (const [i, h] of hostile.entries()) {
      expect(rows[i]).toMatchObject({ ours: `'${h}`, theirs: `'${h}`, base: `'${h}`, order: `SO-${i}` });
    }
    expect(rows.at(-1)?.order).toBe(`'=cmd|" /C calc"!A0`);
    // no cell an Excel user would open starts with a formula character
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);

    const json = JSON.parse(text(exportConflicts(outbox.db, 'json'))) as Record<string, unknown>[];
    expect(Array.isArray(json)).toBe(true);
    expect(json.map((c) => c.ours)).toEqual([...hostile, 'ok']);
    expect(json[0]).toEqual({
      id: 1,
      updateId: 1,
      profile: 'fo',
      company: 'USMF',
      orderNumber: 'SO-0',
      field: 'SalesOrderStatus',
      base: hostile[0],
      ours: hostile[0],
      theirs: hostile[0],
      etag: 'W/"JzEsNTYzNzE0NDU3NjswLDA7Jw=="',
      detectedAt: '2026-11-22T08:00:00.000Z',
      resolution: null,
      resolvedAt: null,
      resolvedBy: null,
    });
  });

  it('CSV and JSON carry the same conflicts, resolutions included', () => {
    const clock = manualClock();
    const { outbox } = openTestOutbox({ now: clock.now });
    const a = conflict(outbox, 'SO-A', 'Delivered');
    clock.tick(1000);
    conflict(outbox, 'SO-B', 42, null, true, null);
    clock.tick(1000);
    outbox.resolve(a, { action: 'keep-mine' }, 'bob@desk');
    const json = JSON.parse(text(exportConflicts(outbox.db, 'json'))) as { [k: string]: unknown }[];
    const rows = csvRows(text(exportConflicts(outbox.db, 'csv')));
    expect(rows).toHaveLength(2);
    expect(json).toHaveLength(2);
    json.forEach((j, i) => {
      const r = rows[i]!;
      const cell = (v: unknown) => (v === null ? '' : String(v));
      expect(r).toEqual({
        id: String(j.id),
        update_id: String(j.updateId),
        detected_at: j.detectedAt,
        company: j.company,
        order: j.orderNumber,
        field: j.field,
        base: cell(j.base),
        ours: cell(j.ours),
        theirs: cell(j.theirs),
        etag: cell(j.etag),
        resolution: cell(j.resolution),
        resolved_at: cell(j.resolvedAt),
        resolved_by: cell(j.resolvedBy),
      });
    });
    expect(json[0]).toMatchObject({ resolution: 'keep-mine', resolvedBy: 'bob@desk', resolvedAt: new Date(clock.now()).toISOString() });
    // typed values survive JSON
    expect(json[1]).toMatchObject({ ours: 42, theirs: null, base: true, etag: null });
  });

  it('an empty log is a header-only CSV and an empty JSON array', () => {
    const { outbox } = openTestOutbox();
    expect(csvRows(text(exportConflicts(outbox.db, 'csv')))).toEqual([]);
    expect(JSON.parse(text(exportConflicts(outbox.db, 'json')))).toEqual([]);
  });

  it('filters by --since, --until, order number and open-only', () => {
    const clock = manualClock(Date.UTC(2026, 10, 20, 23, 59, 59));
    const { outbox } = openTestOutbox({ now: clock.now });
    const a = conflict(outbox, 'SO-A', 'x');
    clock.set(Date.UTC(2026, 10, 21, 0, 0, 0));
    conflict(outbox, 'SO-B', 'x');
    clock.set(Date.UTC(2026, 10, 22, 12, 0, 0));
    conflict(outbox, 'SO-C', 'x');
    outbox.resolve(a, { action: 'take-theirs' }, 'me');
    const orders = (q: Parameters<typeof iterateConflicts>[1]) => [...iterateConflicts(outbox.db, q)].map((c) => c.orderNumber);
    expect(orders({})).toEqual(['SO-A', 'SO-B', 'SO-C']);
    expect(orders({ since: '2026-11-21' })).toEqual(['SO-B', 'SO-C']);
    expect(orders({ since: '2026-11-21T00:00:01Z' })).toEqual(['SO-C']);
    expect(orders({ until: '2026-11-22' })).toEqual(['SO-A', 'SO-B']);
    expect(orders({ orderNumber: 'SO-B' })).toEqual(['SO-B']);
    expect(orders({ open: true })).toEqual(['SO-B', 'SO-C']);
    expect(orders({ limit: 1 })).toEqual(['SO-A']);
    expect(() => orders({ since: 'yesterday' })).toThrow(/--since "yesterday" is not an ISO date/);
  });

  it('parses ISO dates and refuses the rest', () => {
    expect(parseDateFilter('2026-11-22', 'x')).toBe(Date.UTC(2026, 10, 22));
    expect(parseDateFilter('2026-11-22T08:30:00+02:00', 'x')).toBe(Date.UTC(2026, 10, 22, 6, 30));
    for (const bad of ['22/11/2026', '2026-13-45', '2026-11-22 08:00', '', '1e12']) expect(() => parseDateFilter(bad, '--since')).toThrow(/--since/);
  });

  it("odd order numbers survive enqueue → get → CSV and JSON export", () => {
    const { outbox } = openTestOutbox();
    const odd = ["O'Brien", "SO-1') or true or ('", 'SO/2025/0145', 'SO#12', 'SO 12 A', 'Ünïcødé', '注文-０１', 'a"b,c'];
    for (const o of odd) {
      const id = conflict(outbox, o, `value for ${o}`);
      expect(outbox.get(id)?.orderNumber).toBe(o);
    }
    expect(csvRows(text(exportConflicts(outbox.db, 'csv'))).map((r) => r.order)).toEqual(odd);
    const json = JSON.parse(text(exportConflicts(outbox.db, 'json'))) as { orderNumber: string; ours: string }[];
    expect(json.map((c) => c.orderNumber)).toEqual(odd);
    expect(json.map((c) => c.ours)).toEqual(odd.map((o) => `value for ${o}`));
    for (const o of odd) expect([...iterateConflicts(outbox.db, { orderNumber: o })].map((c) => c.orderNumber)).toEqual([o]);
  });
});
