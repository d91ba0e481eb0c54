// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiInput, ImportPreview } from '../../core/api.ts';
import { BulkImport, PART_ROWS } from '../../renderer/new-update/BulkImport.tsx';
import { partsOf, splitRecords, toBase64 } from '../../renderer/new-update/csv-parts.ts';
import { fakeApi } from './fake-api.ts';
import { TestProviders } from './providers.tsx';

afterEach(cleanup);

const BAD: ImportPreview = {
  rows: 1,
  encoding: 'utf-8',
  delimiter: ',',
  problems: [
    { line: 3, message: 'the order number is empty' },
    { line: 4, message: 'expected 3 cells like the header, found 2' },
  ],
  sample: [{ line: 2, company: 'USMF', orderNumber: 'SO-000001', fields: { SalesOrderStatus: 'Delivered' }, base: null }],
};

const GOOD: ImportPreview = {
  rows: 2,
  encoding: 'utf-8',
  delimiter: '\t',
  problems: [],
  sample: [
    { line: 2, company: 'USMF', orderNumber: 'SO-000001', fields: { SalesOrderStatus: 'Delivered' }, base: { SalesOrderStatus: 'Backorder' } },
    { line: 3, company: 'USMF', orderNumber: 'SO-000002', fields: { SalesOrderStatus: 'Delivered' }, base: null },
  ],
};

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const text = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('latin1');

function renderImport(api: ReturnType<typeof fakeApi>) {
  render(
    <TestProviders api={api}>
      <BulkImport />
    </TestProviders>,
  );
  return screen.getByLabelText('Rows to import') as HTMLTextAreaElement;
}

describe('BulkImport', () => {
  it('shows every row problem from previewImport and will not queue a file with problems', async () => {
    const api = fakeApi({ previewImport: async () => BAD });
    const box = renderImport(api);
    const csv = 'order,company,SalesOrderStatus\nSO-000001,USMF,Delivered\n,USMF,Delivered\nSO-3,USMF';
    fireEvent.change(box, { target: { value: csv } });
    fireEvent.click(screen.getByRole('button', { name: 'Check rows' }));
    const problems = await screen.findByRole('table', { name: 'Import problems' });
    const rows = within(problems).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(['3the order number is empty', '4expected 3 cells like the header, found 2']);
    expect(screen.getByRole('alert').textContent).toContain('2 rows need fixing');
    expect(screen.getByRole('button', { name: /Queue/ }).hasAttribute('disabled')).toBe(true);
    expect(api.previewImport).toHaveBeenCalledWith({ data: b64(csv), encoding: 'utf-8', delimiter: 'auto' });
    expect(api.importCsv).not.toHaveBeenCalled();
  });

  it('sends rows pasted from a spreadsheet as they are (the agent finds the tabs), previews them, then queues on confirm', async () => {
    const api = fakeApi({ previewImport: async () => GOOD, importCsv: async () => ({ queued: 2, merged: 1 }) });
    const box = renderImport(api);
    const pasted = 'order\tcompany\tSalesOrderStatus\nSO-000001\tUSMF\tDelivered\nSO-000002\tUSMF\tDelivered';
    fireEvent.change(box, { target: { value: pasted } });
    fireEvent.click(screen.getByRole('button', { name: 'Check rows' }));
    await screen.findByText('2 rows are ready to queue.');
    expect(screen.getByText('Separated by tab.')).toBeTruthy();
    // A row without a base says what it risks.
    expect(screen.getByText(/Rows without base columns have no base/).textContent).toContain('overwritten, not flagged as a conflict');
    expect(within(screen.getByRole('table', { name: 'Rows to queue' })).getAllByRole('row')).toHaveLength(3);

    fireEvent.click(screen.getByRole('button', { name: 'Queue 2 updates' }));
    await screen.findByText(/Queued 2 updates, 1 merged/);
    expect(api.importCsv).toHaveBeenCalledWith({ data: b64(pasted), encoding: 'utf-8', delimiter: '\t', base: 'as-given' });
    expect(box.value).toBe('');
  });

  it('reads a dropped file as bytes, shows the encoding and separator found, and the text as they read it', async () => {
    const found: ImportPreview = { ...GOOD, encoding: 'windows-1252', delimiter: ';', sample: [{ line: 2, company: 'USMF', orderNumber: 'SO-000001', fields: { SalesOrderName: 'Café Müller' }, base: null }], rows: 1 };
    const api = fakeApi({ previewImport: async () => found, importCsv: async () => ({ queued: 1, merged: 0 }) });
    const box = renderImport(api);
    const bytes = Buffer.from('order;SalesOrderName\r\nSO-000001;Café Müller\r\n', 'latin1');
    const file = new File([bytes], 'orders.csv', { type: 'text/csv' });
    fireEvent.drop(box.parentElement!, { dataTransfer: { files: [file] } });
    await screen.findByText('Read as Windows-1252, separated by semicolon (;).');
    expect(api.previewImport).toHaveBeenCalledWith({ data: bytes.toString('base64'), encoding: 'auto', delimiter: 'auto' });
    expect(box.value).toBe('order;SalesOrderName\nSO-000001;Café Müller\n');
    expect(screen.getByText(/From orders\.csv/)).toBeTruthy();

    // The person says what it is: read again with that.
    fireEvent.change(screen.getByLabelText('Encoding'), { target: { value: 'utf-8' } });
    await waitFor(() => expect(api.previewImport).toHaveBeenLastCalledWith({ data: bytes.toString('base64'), encoding: 'utf-8', delimiter: 'auto' }));

    fireEvent.click(screen.getByRole('checkbox', { name: /Use the current values in D365 as the base/ }));
    fireEvent.click(await screen.findByRole('button', { name: 'Queue 1 update' }));
    await screen.findByText(/Queued 1 update/);
    expect(api.importCsv).toHaveBeenCalledWith({ data: bytes.toString('base64'), encoding: 'windows-1252', delimiter: ';', base: 'current' });
  });

  it('must be checked again after the text changes', async () => {
    const api = fakeApi({ previewImport: async () => GOOD });
    const box = renderImport(api);
    fireEvent.change(box, { target: { value: 'order,SalesOrderStatus\nSO-1,Delivered' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check rows' }));
    await screen.findByText('2 rows are ready to queue.');
    fireEvent.change(box, { target: { value: 'order,SalesOrderStatus\nSO-1,Invoiced' } });
    expect(screen.queryByText('2 rows are ready to queue.')).toBeNull();
    expect(screen.getByRole('button', { name: /Queue/ }).hasAttribute('disabled')).toBe(true);
  });

  it('queues a long import in parts with a count, and Cancel keeps the parts already queued', async () => {
    const rows = PART_ROWS * 2 + 500;
    const csv = `order,CustomerRequisitionNumber\n${Array.from({ length: rows }, (_, i) => `SO-${i},PO-${i}`).join('\n')}\n`;
    const parts: ApiInput<'importCsv'>[] = [];
    let release: () => void = () => {};
    const api = fakeApi({
      previewImport: async () => ({ rows, encoding: 'utf-8', delimiter: ',', problems: [], sample: [] }),
      importCsv: async (args) => {
        parts.push(args);
        // The first part answers at once; the second waits until the test lets it go.
        if (parts.length === 2) await new Promise<void>((r) => (release = r));
        return { queued: text(args.data).trim().split('\n').length - 1, merged: 0 };
      },
    });
    const box = renderImport(api);
    fireEvent.change(box, { target: { value: csv } });
    fireEvent.click(screen.getByRole('button', { name: 'Check rows' }));
    fireEvent.click(await screen.findByRole('button', { name: `Queue ${rows.toLocaleString('en-US')} updates` }));
    await screen.findByText(`Queued 1,000 of 2,500 rows…`);
    expect(screen.getByText(/Cancel stops after the part being queued/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel import' }));
    await act(async () => release());
    await screen.findByText(/Import cancelled: 2,000 of 2,500 rows were queued and stay in the queue; the other 500 were not queued/);
    expect(parts).toHaveLength(2);
    // Each part is a CSV of its own: the header, then its rows.
    expect(text(parts[0]!.data).split('\n').slice(0, 2)).toEqual(['order,CustomerRequisitionNumber', 'SO-0,PO-0']);
    expect(text(parts[1]!.data).split('\n')[1]).toBe(`SO-${PART_ROWS},PO-${PART_ROWS}`);
    expect(parts.every((p) => p.delimiter === ',' && p.encoding === 'utf-8')).toBe(true);

    // Queueing everything again would repeat the 2,000 rows already in: it goes on from there.
    expect(screen.queryByRole('button', { name: 'Queue 2,500 updates' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Queue the other 500 rows' }));
    await screen.findByText(/Queued 2,500 updates/);
    expect(parts).toHaveLength(3);
    expect(text(parts[2]!.data).split('\n').slice(0, 2)).toEqual(['order,CustomerRequisitionNumber', `SO-${PART_ROWS * 2},PO-${PART_ROWS * 2}`]);
  });
});

describe('splitRecords', () => {
  const split = (s: string) => {
    const p = splitRecords(Buffer.from(s, 'latin1'));
    return { header: Buffer.from(p.header).toString('latin1'), records: p.records.map((r) => Buffer.from(r).toString('latin1')) };
  };

  it('cuts between records, never inside a quoted cell, with CRLF, LF or CR, and skips blank lines', () => {
    expect(split('order;Name\r\nSO-1;"two\r\nlines; and ""quotes"""\r\n\r\nSO-2;Müller')).toEqual({
      header: 'order;Name\r\n',
      records: ['SO-1;"two\r\nlines; and ""quotes"""\r\n', 'SO-2;Müller'],
    });
    expect(split('order\rSO-1\rSO-2\r')).toEqual({ header: 'order\r', records: ['SO-1\r', 'SO-2\r'] });
  });

  it('makes parts that each start with the header, and encodes them for the API', () => {
    const parts = [...partsOf(splitRecords(Buffer.from('order\nA\nB\nC', 'latin1')), 2)];
    expect(parts.map((p) => [p.first, p.count, Buffer.from(p.bytes).toString('latin1')])).toEqual([
      [1, 2, 'order\nA\nB\n'],
      [3, 1, 'order\nC'],
    ]);
    const big = new Uint8Array(200_000).fill(0xe9);
    expect(Buffer.from(toBase64(big), 'base64').equals(Buffer.from(big))).toBe(true);
  });
});
