// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpdateDetail as Detail } from '../../core/api.ts';
import type { Fields, HistoryEvent, Update } from '../../core/outbox/types.ts';
import { UpdateDetail } from '../../renderer/queue/UpdateDetail.tsx';
import { historySentences } from '../../renderer/queue/history-sentences.ts';
import { fakeApi } from './fake-api.ts';
import { TestProviders } from './providers.tsx';
import { reader } from './intl.ts';

afterEach(cleanup);

function update(over: Partial<Update> = {}): Update {
  return {
    id: 5,
    profile: 'fo',
    company: 'USMF',
    orderNumber: 'SO-000081',
    fields: { DeliveryModeCode: 'ZZ' },
    base: { DeliveryModeCode: '10' },
    source: 'form',
    queuedBy: 'desk@site',
    state: 'failed',
    recheck: false,
    attempts: 1,
    nextAttemptAt: 0,
    lastError: { code: 'VALIDATION', message: 'Delivery mode ZZ is not valid for customer US-027' },
    createdAt: Date.UTC(2026, 10, 22, 9),
    updatedAt: Date.UTC(2026, 10, 22, 9),
    ...over,
  };
}

/** An agent holding one update, changing it the way the outbox does. */
function agentWith(u: Update) {
  let current = u;
  const detail = async (): Promise<Detail> => ({ update: current, history: [], conflicts: [] });
  const api = fakeApi({
    getUpdate: detail,
    retry: async () => (current = { ...current, state: 'pending', lastError: null }),
    // The agent's cancel takes failed updates too (what this screen needs of it; see the report).
    cancel: async () => (current = { ...current, state: 'failed', lastError: { code: 'CANCELLED', message: 'Cancelled by desk@site' } }),
    undoCancel: async () => (current = { ...current, state: 'held', lastError: null }),
    requeue: async (args) => (current = { ...current, state: 'pending', fields: args.fields as Fields, lastError: null }),
  });
  return api;
}

function renderDetail(api: ReturnType<typeof fakeApi>) {
  render(
    <TestProviders api={api}>
      <UpdateDetail id={5} onClose={() => {}} onChanged={() => {}} />
    </TestProviders>,
  );
}

describe('UpdateDetail', () => {
  it('says a refusal in the desk’s words with D365’s own reason, and Retry sends it again', async () => {
    const api = agentWith(update());
    renderDetail(api);
    const note = (await screen.findByText('D365 refused this change. It said:')).closest('.note')!;
    expect(note.textContent).toContain('Delivery mode ZZ is not valid for customer US-027');
    expect(note.querySelector('details')?.textContent).toContain('VALIDATION');
    for (const name of ['Retry', 'Edit and requeue…', 'Cancel update']) expect(screen.getByRole('button', { name })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(api.retry).toHaveBeenCalledWith({ id: 5 }));
    await screen.findByRole('button', { name: 'Hold' });
  });

  it('asks before cancelling, offers Undo at once (with focus on it), and Undo restores it', async () => {
    const api = agentWith(update({ state: 'held', lastError: null }));
    renderDetail(api);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel update' }));
    expect(screen.getByText('Cancel update #5? It will not be sent.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement?.textContent).toBe('No, keep it'));
    fireEvent.click(screen.getByRole('button', { name: 'No, keep it' }));
    expect(api.cancel).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Cancel update' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel it' }));
    const undo = await screen.findByRole('button', { name: 'Undo cancel' });
    await waitFor(() => expect(document.activeElement).toBe(undo));
    expect(screen.getByRole('status').textContent).toContain('Update #5 is cancelled; it will not be sent.');
    fireEvent.click(undo);
    await waitFor(() => expect(api.undoCancel).toHaveBeenCalledWith({ id: 5 }));
    await screen.findByRole('button', { name: 'Release' });
  });

  it('cancels a failed update too, after asking', async () => {
    const api = agentWith(update());
    renderDetail(api);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel update' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel it' }));
    await screen.findByRole('button', { name: 'Undo cancel' });
    expect(api.cancel).toHaveBeenCalledWith({ id: 5 });
  });

  it('edits and requeues with new values, never with a blank', async () => {
    const api = agentWith(update());
    renderDetail(api);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit and requeue…' }));
    const input = screen.getByLabelText('New value for DeliveryModeCode') as HTMLInputElement;
    expect(input.value).toBe('ZZ');
    fireEvent.change(input, { target: { value: ' ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Requeue with these values' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Type a new value for DeliveryModeCode.');
    expect(api.requeue).not.toHaveBeenCalled();
    fireEvent.change(input, { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Requeue with these values' }));
    await waitFor(() => expect(api.requeue).toHaveBeenCalledWith({ id: 5, fields: { DeliveryModeCode: '30' } }));
  });

  it('says what an update without a base risks', async () => {
    renderDetail(agentWith(update({ state: 'pending', base: null, lastError: null })));
    expect((await screen.findByText(/No base was recorded/)).textContent).toContain('overwritten, not flagged as a conflict');
  });
});

describe('history in sentences', () => {
  const en = reader('en', 'en-GB');
  const fmt = {
    value: (v: unknown) => (v === null ? '(empty)' : String(v)),
    changes: (f: Record<string, unknown>) => Object.entries(f).map(([k, v]) => `${k} → ${v}`).join(', '),
  } as unknown as Parameters<typeof historySentences>[1];
  const say = (kind: HistoryEvent['kind'], detail: Record<string, unknown>) => historySentences({ id: 1, updateId: 5, at: 0, kind, detail }, fmt).map(en).join(' ');

  it('tells each step as a desk person would', () => {
    expect(say('done', { alreadyApplied: false, etagBefore: 'W/"1"', etagAfter: 'W/"2"', sent: { DeliveryModeCode: '20' } })).toBe('Sent; D365 accepted it.');
    expect(say('done', { alreadyApplied: true })).toBe('D365 already held these values; nothing needed sending.');
    expect(say('conflict', { fields: [{ field: 'DeliveryModeCode', base: '10', ours: '30', theirs: '20' }], etag: 'W/"3"' })).toBe('Someone else set DeliveryModeCode to 20 first.');
    expect(say('resolved', { action: 'keep-mine', by: 'desk@site', fields: {} })).toBe('Kept your values (desk@site); they are sent again.');
    expect(say('resolved', { action: 'take-theirs', by: 'desk@site', fields: {} })).toBe("Took D365's values (desk@site); your change to those fields is dropped.");
    expect(say('queued', { by: 'desk@site', fields: { DeliveryModeCode: '30' }, base: null, behind: 4 })).toBe('Queued by desk@site: DeliveryModeCode → 30. It waits behind #4, an earlier update of the same order.');
    expect(say('failed', { code: 'VALIDATION', message: 'no', status: 400 })).toBe('D365 refused it.');
    expect(say('failed', { code: 'LOST_RACE', message: '…' })).toBe('Stopped trying: someone keeps changing this order in D365 first.');
    expect(say('deferred', { reason: 'OFFLINE', code: 'OFFLINE', nextAttemptAt: new Date(2026, 10, 22, 20, 0, 21).getTime() })).toBe("D365 couldn't be reached; next try 20:00:21.");
    expect(say('restored', { by: 'desk@site' })).toBe('Cancel undone by desk@site.');
  });
});
