import { describe, expect, it } from 'vitest';
import { planImport } from '../../../core/csv/import.ts';
import { input, openTestOutbox } from '../outbox/fixtures.ts';

const opts = { defaultCompany: 'USMF', queuedBy: 'tester@host' };

describe('planImport', () => {
  it('turns rows into updates, with base columns, the default company and line numbers', () => {
    const text = 'order,company,SalesOrderStatus,ShippingDate,base.SalesOrderStatus\r\nSO-1,DEMF,Delivered,2026-12-01,Backorder\r\n"SO-2",,Picked,,\r\n';
    const plan = planImport(text, opts);
    expect(plan.problems).toEqual([]);
    expect(plan.rows).toEqual([
      {
        line: 2,
        input: {
          profile: 'fo',
          company: 'DEMF',
          orderNumber: 'SO-1',
          fields: { SalesOrderStatus: 'Delivered', ShippingDate: '2026-12-01' },
          base: { SalesOrderStatus: 'Backorder' },
          source: 'csv',
          queuedBy: 'tester@host',
        },
      },
      {
        line: 3,
        input: { profile: 'fo', company: 'USMF', orderNumber: 'SO-2', fields: { SalesOrderStatus: 'Picked' }, base: null, source: 'csv', queuedBy: 'tester@host' },
      },
    ]);
  });

  it('works without a company column and with a BOM', () => {
    const plan = planImport('\ufefforder,SalesOrderStatus\nSO-1,Delivered\n', opts);
    expect(plan.problems).toEqual([]);
    expect(plan.rows[0]?.input).toMatchObject({ company: 'USMF', orderNumber: 'SO-1' });
  });

  it('reports every bad row with its line and reason', () => {
    const text = [
      'order,company,SalesOrderStatus,base.SalesOrderStatus',
      'SO-1,USMF,Delivered,',
      ',USMF,Delivered,', // no order number
      '"SO-3\nwith newline",USMF,Delivered,', // spans lines 4-5: an order number is one line
      'SO-4,USMF,,Backorder', // a base but no new value
      'SO-5,USMF', // too few cells
      'SO-6,USMF,,', // changes nothing
    ].join('\n');
    const plan = planImport(text, opts);
    expect(plan.rows.map((r) => r.line)).toEqual([2]);
    expect(plan.problems).toEqual([
      { line: 3, message: 'order number is empty' },
      { line: 4, message: 'order number "SO-3\\nwith newline" contains a control character' },
      { line: 6, message: expect.stringMatching(/changes no field/) },
      { line: 7, message: 'expected 4 cells like the header, found 2' },
      { line: 8, message: expect.stringMatching(/changes no field/) },
    ]);
  });

  it('reports malformed quoting at its line', () => {
    const plan = planImport('order,SalesOrderStatus\nSO-1,ok\nSO-2,"bad\n', opts);
    expect(plan.problems).toEqual([{ line: 3, message: 'a quoted cell is never closed' }]);
  });

  it('refuses bad headers', () => {
    expect(planImport('', opts).problems).toEqual([{ line: 1, message: expect.stringMatching(/empty/) }]);
    expect(planImport('company,SalesOrderStatus\nUSMF,x\n', opts).problems[0]?.message).toMatch(/no "order" column/);
    expect(planImport('order,company\nSO-1,USMF\n', opts).problems[0]?.message).toMatch(/names no field/);
    expect(planImport('order,Foo Bar\nSO-1,x\n', opts).problems[0]).toEqual({ line: 1, message: expect.stringMatching(/"Foo Bar" is not a valid D365 field name/) });
    expect(planImport('order,A,a\nSO-1,x,y\n', opts).problems[0]?.message).toMatch(/appears twice/);
    expect(planImport('order,A,base.B\nSO-1,x,y\n', opts).problems[0]?.message).toMatch(/base.B has no matching column B/);
    expect(planImport('order,A\n', opts).problems).toEqual([{ line: 2, message: 'the file has a header but no rows' }]);
  });
});

describe('importing into the outbox', () => {
  it('a file with one bad row leaves the outbox exactly as it was', () => {
    const { outbox } = openTestOutbox();
    outbox.enqueue(input('SO-1', { SalesOrderStatus: 'Picked' }));
    const before = { counts: outbox.counts(), rows: [...outbox.iterate()], history: outbox.history(1) };

    const text = 'order,SalesOrderStatus\nSO-1,Delivered\nSO-2,Delivered\nSO-3,"Bad\u0001"\nSO-4,Delivered\n';
    const plan = planImport(text, opts);
    expect(plan.problems).toEqual([{ line: 4, message: expect.stringMatching(/control character/) }]);
    // the caller's rule: a plan with problems is not applied
    if (plan.problems.length === 0) outbox.enqueueMany(plan.rows.map((r) => r.input));

    expect(outbox.counts()).toEqual(before.counts);
    expect([...outbox.iterate()]).toEqual(before.rows);
    expect(outbox.history(1)).toEqual(before.history);
  });

  it('a clean file goes in whole, merging rows of one order', () => {
    const { outbox } = openTestOutbox();
    const plan = planImport('order,SalesOrderStatus,DeliveryModeCode\nSO-1,Picked,\nSO-2,Picked,AIR\nSO-1,,TRUCK\n', opts);
    expect(plan.problems).toEqual([]);
    const results = outbox.enqueueMany(plan.rows.map((r) => r.input));
    expect(results).toEqual([
      { id: 1, coalesced: false },
      { id: 2, coalesced: false },
      { id: 1, coalesced: true },
    ]);
    expect(outbox.get(1)).toMatchObject({ source: 'csv', fields: { SalesOrderStatus: 'Picked', DeliveryModeCode: 'TRUCK' } });
    expect(outbox.counts().pending).toBe(2);
  });
});
