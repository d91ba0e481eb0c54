// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../core/api.ts';
import type { ConflictRecord } from '../../core/conflicts/conflict-log.ts';
import { TestProviders } from './providers.tsx';
import { ToastProvider } from '../../renderer/app/toasts.tsx';
import { ConflictAlerts } from '../../renderer/conflicts/ConflictAlerts.tsx';
import { groupConflicts } from '../../renderer/conflicts/conflict-groups.ts';
import { ConflictsScreen } from '../../renderer/conflicts/ConflictsScreen.tsx';
import { ConflictView } from '../../renderer/conflicts/ConflictView.tsx';
import { fakeApi } from './fake-api.ts';

afterEach(cleanup);

function record(over: Partial<ConflictRecord> = {}): ConflictRecord {
  return {
    id: 1,
    updateId: 12,
    profile: 'fo',
    company: 'USMF',
    orderNumber: 'SO-000055',
    field: 'RequestedShippingDate',
    base: '2026-12-01T12:00:00Z',
    ours: '2027-01-20T12:00:00Z',
    theirs: '2027-02-14T12:00:00Z',
    etag: 'W/"abc"',
    detectedAt: '2026-11-22T08:00:00.000Z',
    resolution: null,
    resolvedAt: null,
    resolvedBy: null,
    ...over,
  };
}

const TWO_FIELDS = groupConflicts([record(), record({ id: 2, field: 'DeliveryModeCode', base: '10', ours: '30', theirs: null })])[0]!;

function cells(field: string) {
  const row = screen.getByText(field).closest('tr')!;
  const side = (s: string) => row.querySelector(`[data-side="${s}"]`)!.textContent;
  return { base: side('base'), ours: side('ours'), theirs: side('theirs') };
}

describe('ConflictView', () => {
  it('shows base, ours and theirs side by side for every field', () => {
    render(
      <TestProviders api={fakeApi()}>
        <ConflictView group={TWO_FIELDS} onResolved={() => {}} />
      </TestProviders>,
    );
    expect(cells('RequestedShippingDate')).toEqual({ base: '2026-12-01T12:00:00Z', ours: '2027-01-20T12:00:00Z', theirs: '2027-02-14T12:00:00Z' });
    // An emptied value in D365 is shown as such, not as a blank cell.
    expect(cells('DeliveryModeCode')).toEqual({ base: '10', ours: '30', theirs: '(empty)' });
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Field', 'Base (when you decided)', 'Yours', 'Theirs (in D365 now)']);
  });

  it('keep mine calls resolveConflict with the update id and keep-mine', async () => {
    const api = fakeApi({ resolveConflict: async () => ({}) as never });
    const onResolved = vi.fn();
    render(
      <TestProviders api={api}>
        <ConflictView group={TWO_FIELDS} onResolved={onResolved} />
      </TestProviders>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Keep mine' }));
    await vi.waitFor(() => expect(onResolved).toHaveBeenCalled());
    expect(api.resolveConflict).toHaveBeenCalledWith({ id: 12, resolution: { action: 'keep-mine' } });
  });

  it('take theirs and edit-and-requeue send their own resolutions', async () => {
    const api = fakeApi({ resolveConflict: async () => ({}) as never });
    const onResolved = vi.fn();
    render(
      <TestProviders api={api}>
        <ConflictView group={TWO_FIELDS} onResolved={onResolved} />
      </TestProviders>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Take theirs' }));
    await vi.waitFor(() => expect(api.resolveConflict).toHaveBeenCalledWith({ id: 12, resolution: { action: 'take-theirs' } }));
    await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Edit and requeue…' }).hasAttribute('disabled')).toBe(false));

    fireEvent.click(screen.getByRole('button', { name: 'Edit and requeue…' }));
    const input = screen.getByLabelText('Value for RequestedShippingDate') as HTMLInputElement;
    expect(input.value).toBe('2027-01-20T12:00:00Z');
    fireEvent.change(input, { target: { value: '2027-03-01T12:00:00Z' } });
    fireEvent.click(screen.getByRole('button', { name: 'Requeue with these values' }));
    await vi.waitFor(() =>
      expect(api.resolveConflict).toHaveBeenLastCalledWith({
        id: 12,
        resolution: { action: 'edit', fields: { RequestedShippingDate: '2027-03-01T12:00:00Z', DeliveryModeCode: '30' } },
      }),
    );
  });

  it("shows the agent's message when the conflict was already resolved elsewhere", async () => {
    const api = fakeApi({ resolveConflict: async () => Promise.reject(new ApiError('INVALID_STATE', 'Update 12 is pending; this needs it to be conflict')) });
    const onResolved = vi.fn();
    render(
      <TestProviders api={api}>
        <ConflictView group={TWO_FIELDS} onResolved={onResolved} />
      </TestProviders>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Keep mine' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Update 12 is pending');
    expect(onResolved).not.toHaveBeenCalled();
  });
});

describe('ConflictsScreen', () => {
  it('adds a new conflict without reload and raises an alert', async () => {
    let open: ConflictRecord[] = [];
    const api = fakeApi({ listConflicts: async () => open });
    render(
      <TestProviders api={api}>
        <ToastProvider>
          <ConflictsScreen updateId={null} />
          <ConflictAlerts />
        </ToastProvider>
      </TestProviders>,
    );
    await screen.findByText('No conflicts waiting');
    open = [record()];
    act(() =>
      api.emit({
        type: 'conflict',
        id: 12,
        company: 'USMF',
        orderNumber: 'SO-000055',
        fields: [{ field: 'RequestedShippingDate', base: '2026-12-01T12:00:00Z', ours: '2027-01-20T12:00:00Z', theirs: '2027-02-14T12:00:00Z' }],
      }),
    );
    const alert = (await screen.findByText('Conflict on USMF / SO-000055')).closest('.toast') as HTMLElement;
    expect(alert.closest('[aria-live]')?.getAttribute('aria-live')).toBe('polite');
    expect(within(alert).getByRole('link', { name: 'Review' }).getAttribute('href')).toBe('#/conflicts/12');
    const list = await screen.findByRole('list', { name: 'Open conflicts' });
    expect(list.textContent).toContain('SO-000055');
    expect(cells('RequestedShippingDate').theirs).toBe('2027-02-14T12:00:00Z');
    expect(api.listConflicts).toHaveBeenCalledWith({ open: true, limit: 2000 });
  });
});

describe('groupConflicts', () => {
  it('groups by update, newest first, keeping the latest record of a field', () => {
    const groups = groupConflicts([
      record({ id: 1, updateId: 1, detectedAt: '2026-11-22T08:00:00.000Z', theirs: 'old' }),
      record({ id: 2, updateId: 2, detectedAt: '2026-11-22T09:00:00.000Z' }),
      record({ id: 3, updateId: 1, detectedAt: '2026-11-22T10:00:00.000Z', theirs: 'new' }),
    ]);
    expect(groups.map((g) => g.updateId)).toEqual([1, 2]);
    expect(groups[0]!.fields).toHaveLength(1);
    expect(groups[0]!.fields[0]!.theirs).toBe('new');
  });
});
