/**
 * Errors that cross a boundary (CLI, IPC, HTTP) carry a stable code; callers branch on the
 * code, never on message text. The tag survives module duplication and structured cloning.
 */
export type OutboxErrorCode =
  | 'BAD_INPUT'
  | 'NOT_FOUND'
  | 'INVALID_STATE'
  | 'DB_NEWER_VERSION'
  | 'DB_CORRUPT'
  | 'DB_LOCKED'
  | 'DB_READONLY'
  | 'DB_FULL'
  | 'DB_OPEN_FAILED'
  | 'NOT_CONFIGURED'
  | 'SECRET_STORE'
  | 'INTERNAL';

export class OutboxError extends Error {
  readonly tag = 'OutboxError';
  readonly code: OutboxErrorCode;
  constructor(code: OutboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutboxError';
    this.code = code;
  }
}

export function isOutboxError(e: unknown): e is OutboxError {
  return typeof e === 'object' && e !== null && (e as { tag?: unknown }).tag === 'OutboxError';
}

export function badInput(message: string): OutboxError {
  return new OutboxError('BAD_INPUT', message);
}
