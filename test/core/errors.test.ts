import { describe, expect, it } from 'vitest';
import { badInput, isOutboxError, OutboxError } from '../../core/errors.ts';

describe('OutboxError', () => {
  it('carries a stable code and the cause, with a fixed name', () => {
    const cause = new Error('SQLITE_FULL');
    const e = new OutboxError('DB_FULL', 'The disk is full', { cause });
    expect(e).toMatchObject({ name: 'OutboxError', code: 'DB_FULL', message: 'The disk is full' });
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(Error);
  });

  it('is recognised by its tag, so the check survives a structured clone (worker, IPC) and a second copy of the module', () => {
    const e = badInput('order number is empty');
    expect(isOutboxError(e)).toBe(true);
    expect(e.code).toBe('BAD_INPUT');
    const cloned = structuredClone({ ...e, tag: e.tag, code: e.code });
    expect(isOutboxError(cloned)).toBe(true);
    expect(isOutboxError(new Error('BAD_INPUT'))).toBe(false);
    expect(isOutboxError({ code: 'BAD_INPUT' })).toBe(false);
    expect(isOutboxError(undefined)).toBe(false);
    expect(isOutboxError('OutboxError')).toBe(false);
  });
});
