// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api.ts';
import { TestProviders } from './providers.tsx';
import { UpdateForm } from '../../renderer/new-update/UpdateForm.tsx';
import { fakeApi, type FakeApi } from './fake-api.ts';

afterEach(cleanup);

function renderForm(api: FakeApi) {
  render(
    <TestProviders api={api}>
      <UpdateForm defaultCompany="USMF" />
    </TestProviders>,
  );
  return {
    order: screen.getByLabelText('Order number') as HTMLInputElement,
    value: () => screen.getByLabelText('New value 1') as HTMLInputElement,
    fieldName: () => screen.getByLabelText('Field name 1') as HTMLInputElement,
  };
}

/** What a barcode scanner does: the characters, then Enter. */
function scan(input: HTMLInputElement, text: string) {
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter' });
}

describe('UpdateForm', () => {
  it('moves focus to the first value when the scanner presses Enter, and does not submit', () => {
    const api = fakeApi({ lookupOrder: async () => ({ online: true, values: { SalesOrderStatus: 'Backorder' }, etag: 'W/"1"' }) });
    const { order, value } = renderForm(api);
    expect(document.activeElement).toBe(order);
    scan(order, 'SO-000042');
    expect(document.activeElement).toBe(value());
    expect(api.enqueue).not.toHaveBeenCalled();
  });

  it('keeps the values read by lookupOrder as the base of the update', async () => {
    const api = fakeApi({
      lookupOrder: async () => ({ online: true, values: { SalesOrderStatus: 'Backorder' }, etag: 'W/"1"' }),
      enqueue: async () => ({ id: 17, coalesced: false }),
    });
    const { order, value } = renderForm(api);
    scan(order, 'SO-000042');
    await screen.findByText(/Current values read from D365/);
    expect(api.lookupOrder).toHaveBeenCalledWith({ company: 'USMF', orderNumber: 'SO-000042', fields: ['SalesOrderStatus'] });
    expect(screen.getByTitle('Current value in D365').textContent).toContain('Backorder');

    fireEvent.change(value(), { target: { value: 'Delivered' } });
    fireEvent.click(screen.getByRole('button', { name: 'Queue update' }));
    await screen.findByText(/Queued #17 for USMF \/ SO-000042/);
    expect(api.enqueue).toHaveBeenCalledWith({
      orderNumber: 'SO-000042',
      fields: { SalesOrderStatus: 'Delivered' },
      base: { SalesOrderStatus: 'Backorder' },
      source: 'form',
    });
    // Ready for the next scan.
    expect(order.value).toBe('');
    expect(document.activeElement).toBe(order);
  });

  it('says the base is unknown when offline and queues anyway, without a base', async () => {
    const api = fakeApi({
      lookupOrder: async () => ({ online: false, message: 'connect ECONNREFUSED' }),
      enqueue: async () => ({ id: 3, coalesced: false }),
    });
    const { order, value, fieldName } = renderForm(api);
    fireEvent.change(fieldName(), { target: { value: 'DeliveryModeCode' } });
    scan(order, 'SO-000007');
    await screen.findByText(/Offline: the base is unknown/);
    fireEvent.change(value(), { target: { value: '30' } });
    fireEvent.submit(screen.getByRole('form', { name: 'New update' }));
    await screen.findByText(/Queued #3 .* without a base/);
    expect(api.enqueue).toHaveBeenCalledWith({ orderNumber: 'SO-000007', fields: { DeliveryModeCode: '30' }, base: null, source: 'form' });
  });

  it('reads the base at submit time when the person was quicker than the lookup', async () => {
    let calls = 0;
    const api = fakeApi({
      lookupOrder: async () => ({ online: true, values: { SalesOrderStatus: (calls++, 'Backorder') }, etag: 'W/"1"' }),
      enqueue: async () => ({ id: 4, coalesced: true }),
    });
    const { order, value } = renderForm(api);
    fireEvent.change(order, { target: { value: 'SO-000009' } });
    fireEvent.change(value(), { target: { value: 'Invoiced' } });
    fireEvent.click(screen.getByRole('button', { name: 'Queue update' }));
    await screen.findByText(/merged into a pending update/);
    expect(api.enqueue).toHaveBeenCalledWith(expect.objectContaining({ base: { SalesOrderStatus: 'Backorder' } }));
  });

  it("shows the agent's own message when enqueue is refused", async () => {
    const api = fakeApi({
      lookupOrder: async () => ({ online: true, values: { SalesOrderStatus: 'Backorder' }, etag: 'W/"1"' }),
      enqueue: async () => Promise.reject(new ApiError('BAD_INPUT', 'enqueue: invalid argument at orderNumber: too long')),
    });
    const { order, value } = renderForm(api);
    scan(order, 'SO-1');
    fireEvent.change(value(), { target: { value: 'Delivered' } });
    fireEvent.click(screen.getByRole('button', { name: 'Queue update' }));
    expect((await screen.findByRole('alert')).textContent).toContain('enqueue: invalid argument at orderNumber: too long');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Queue update' }).hasAttribute('disabled')).toBe(false));
  });

  it('refuses to queue without an order number', async () => {
    const api = fakeApi();
    renderForm(api);
    fireEvent.click(screen.getByRole('button', { name: 'Queue update' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Enter an order number');
    expect(api.enqueue).not.toHaveBeenCalled();
  });

  it('never queues a blank: Enter on an empty value asks for one, and focus goes to it', async () => {
    const api = fakeApi({ lookupOrder: async () => ({ online: true, values: { SalesOrderStatus: 'Backorder' }, etag: 'W/"1"' }) });
    const { order, value } = renderForm(api);
    scan(order, 'SO-000042');
    fireEvent.submit(screen.getByRole('form', { name: 'New update' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Type a new value for SalesOrderStatus, or tick “Clear this field”');
    expect(document.activeElement).toBe(value());
    fireEvent.change(value(), { target: { value: '   ' } });
    fireEvent.submit(screen.getByRole('form', { name: 'New update' }));
    await screen.findByRole('alert');
    expect(api.enqueue).not.toHaveBeenCalled();
  });

  it('empties a field in D365 only when the person ticks “Clear this field”', async () => {
    const api = fakeApi({
      lookupOrder: async () => ({ online: true, values: { SalesOrderStatus: 'Backorder' }, etag: 'W/"1"' }),
      enqueue: async () => ({ id: 5, coalesced: false }),
    });
    const { order, fieldName } = renderForm(api);
    fireEvent.change(fieldName(), { target: { value: 'CustomerRequisitionNumber' } });
    scan(order, 'SO-000042');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Clear this field (row 1)' }));
    fireEvent.submit(screen.getByRole('form', { name: 'New update' }));
    await screen.findByText(/Queued #5/);
    expect(api.enqueue).toHaveBeenCalledWith(expect.objectContaining({ fields: { CustomerRequisitionNumber: '' } }));
  });

  it('says what an update without a base risks', async () => {
    const api = fakeApi({ lookupOrder: async () => ({ online: false, message: 'connect ECONNREFUSED' }), enqueue: async () => ({ id: 6, coalesced: false }) });
    const { order, value } = renderForm(api);
    scan(order, 'SO-000007');
    expect((await screen.findByText(/Offline: the base is unknown/)).textContent).toContain('overwritten without a conflict');
    fireEvent.change(value(), { target: { value: 'Delivered' } });
    fireEvent.submit(screen.getByRole('form', { name: 'New update' }));
    expect((await screen.findByText(/Queued #6/)).textContent).toContain('is overwritten, not flagged as a conflict');
  });
});
