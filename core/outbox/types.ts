export type FieldValue = string | number | boolean | null;
export type Fields = Record<string, FieldValue>;

export const UPDATE_STATES = ['pending', 'sending', 'done', 'conflict', 'failed', 'held'] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

export const UPDATE_SOURCES = ['form', 'csv', 'cli', 'api'] as const;
export type UpdateSource = (typeof UPDATE_SOURCES)[number];

export interface OrderKey {
  /** entity profile name, e.g. 'fo' (Finance & Operations) or 'bc' (Business Central) */
  profile: string;
  /** dataAreaId (F&O) or company name (BC) */
  company: string;
  orderNumber: string;
}

export interface LastError {
  code: string;
  message: string;
}

export interface Update extends OrderKey {
  id: number;
  fields: Fields;
  base: Fields | null;
  source: UpdateSource;
  queuedBy: string;
  state: UpdateState;
  /** set when an update was found 'sending' at open: D365 must be asked before sending again */
  recheck: boolean;
  attempts: number;
  nextAttemptAt: number;
  lastError: LastError | null;
  createdAt: number;
  updatedAt: number;
}

export const HISTORY_KINDS = [
  'queued',
  'coalesced',
  'sending',
  'sent',
  'retrying',
  'deferred',
  'conflict',
  'resolved',
  'failed',
  'done',
  'held',
  'released',
  'cancelled',
  'requeued',
  'restored',
  'recheck',
] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export interface HistoryEvent {
  id: number;
  updateId: number;
  at: number;
  kind: HistoryKind;
  detail: Record<string, unknown> | null;
}

export type StateCounts = Record<UpdateState, number>;
