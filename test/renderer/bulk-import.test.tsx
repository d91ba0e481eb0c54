// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../core/api.ts';
import { TestProviders } from './providers.tsx';
import { BulkImport } from '../../renderer/new-update/BulkImport.tsx';
import { pastedRowsToCsv } from '../../renderer/new-update/pasted-rows.ts';
import { fakeApi } from './fake-api.ts';

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
  delimiter: ',',
  problems: [],
  sample: [
    { line: 2, company: 'USMF', orderNumber: 'SO-000001', fields: { SalesOrderStatus: 'Delivered' }, base: { SalesOrderStatus: 'Backorder' } },
    { line: 3, company: 'USMF', orderNumber: 'SO-000002', fields: { SalesOrderStatus: 'Delivered' }, base: null },
  ],
};

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
    fireEvent.change(box, { target: { value: 'order,company,SalesOrderStatus\nSO-000001,USMF,Delivered\n,USMF,Delivered\nSO-3,USMF' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check rows' }));
    const problems = await screen.findByRole('table', { name: 'Import problems' });
    const rows = within(problems).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(['3the order number is empty', '4expected 3 cells like the header, found 2']);
    expect(screen.getByRole('alert').textContent).toContain('2 rows need fixing');
    expect(screen.getByRole('button', { name: /Queue/ }).hasAttribute('disabled')).toBe(true);
    expect(api.importCsv).not.toHaveBeenCalled();
  });

  it('converts rows pasted from a spreadsheet, previews them, then queues on confirm', async () => {
    const api = fakeApi({ previewImport: async () => GOOD, importCsv: async () => ({ queued: 2, merged: 1 }) });
    const box = renderImport(api);
    fireEvent.change(box, { target: { value: 'order\tcompany\tSalesOrderStatus\nSO-000001\tUSMF\tDelivered\nSO-000002\tUSMF\tDelivered' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check rows' }));
    await screen.findByText('2 rows are ready to queue.');
    const csv = 'order,company,SalesOrderStatus\nSO-000001,USMF,Delivered\nSO-000002,USMF,Delivered';
    expect(api.previewImport).toHaveBeenCalledWith({ csv });
    expect(within(screen.getByRole('table', { name: 'Rows to queue' })).getAllByRole('row')).toHaveLength(3);

    fireEvent.click(screen.getByRole('button', { name: 'Queue 2 updates' }));
    await screen.findByText(/Queued 2 updates, 1 merged/);
    expect(api.importCsv).toHaveBeenCalledWith({ csv });
    expect(box.value).toBe('');
  });

  it('previews a dropped CSV file at once', async () => {
    const api = fakeApi({ previewImport: async () => GOOD });
    const box = renderImport(api);
    const file = new File(['order,SalesOrderStatus\nSO-000001,Delivered\n'], 'orders.csv', { type: 'text/csv' });
    fireEvent.drop(box.parentElement!, { dataTransfer: { files: [file] } });
    await screen.findByText('2 rows are ready to queue.');
    expect(api.previewImport).toHaveBeenCalledWith({ csv: 'order,SalesOrderStatus\nSO-000001,Delivered\n' });
    expect(screen.getByText(/From orders\.csv/)).toBeTruthy();
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
});

describe('pastedRowsToCsv', () => {
  it('quotes cells that need it and leaves real CSV alone', () => {
    expect(pastedRowsToCsv('order\tSalesOrderName\nSO-1\tSmith, "Bob"')).toBe('order,SalesOrderName\nSO-1,"Smith, ""Bob"""');
    expect(pastedRowsToCsv('order,SalesOrderName\nSO-1,x\ty')).toBe('order,SalesOrderName\nSO-1,x\ty');
  });
});
