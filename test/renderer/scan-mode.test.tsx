// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ScanMode } from '../../renderer/new-update/ScanMode.tsx';
import { fakeApi } from './fake-api.ts';
import { TestProviders } from './providers.tsx';

afterEach(cleanup);

function renderScan(api: ReturnType<typeof fakeApi>) {
  render(
    <TestProviders api={api}>
      <ScanMode defaultCompany="USMF" />
    </TestProviders>,
  );
  return {
    box: screen.getByLabelText('Order number') as HTMLInputElement,
    value: screen.getByLabelText('New value 1') as HTMLInputElement,
  };
}

/** The scanner's keystrokes land in the box as typed; Enter ends the number. */
function scan(box: HTMLInputElement, text: string) {
  box.focus();
  box.value = text;
  fireEvent.keyDown(box, { key: 'Enter' });
}

const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)));

describe('ScanMode', () => {
  it('clears the box in the same keystroke and keeps focus, so the next number starts fresh', async () => {
    const api = fakeApi({ lookupOrders: async () => ({ online: false, message: 'Not connected to D365' }), enqueue: async (a) => ({ id: a.orderNumber === 'SO-1' ? 1 : 2, coalesced: false }) });
    const { box, value } = renderScan(api);
    fireEvent.change(value, { target: { value: 'Delivered' } });
    scan(box, 'SO-1');
    expect(box.value).toBe('');
    expect(document.activeElement).toBe(box);
    scan(box, 'SO-2');
    await flush();
    await flush();
    const list = screen.getByRole('list', { name: 'Last scans' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['✓SO-2 queued as #2 — without a base', '✓SO-1 queued as #1 — without a base']);
    expect(screen.getByText(/D365 can’t be read right now: scans are queued without a base/).textContent).toContain('overwritten, not flagged as a conflict');
    expect(api.enqueue).toHaveBeenNthCalledWith(1, { orderNumber: 'SO-1', fields: { SalesOrderStatus: 'Delivered' }, base: null, source: 'form' });
  });

  it('refuses a scan while no value is set, without calling the agent, and says when an order is scanned again', async () => {
    const api = fakeApi({ lookupOrders: async () => ({ online: false, message: 'x' }), enqueue: async () => ({ id: 3, coalesced: true }) });
    const { box, value } = renderScan(api);
    scan(box, 'SO-3');
    expect(screen.getByRole('list', { name: 'Last scans' }).textContent).toContain('SO-3 not queued: set a value for SalesOrderStatus first');
    expect(api.enqueue).not.toHaveBeenCalled();
    fireEvent.change(value, { target: { value: 'Delivered' } });
    scan(box, 'SO-3');
    await flush();
    await flush();
    const first = within(screen.getByRole('list', { name: 'Last scans' })).getAllByRole('listitem')[0]!;
    expect(first.textContent).toContain('SO-3 merged into #3');
    expect(first.textContent).toContain('scanned again');
  });
});
