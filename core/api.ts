/**
 * The one contract between the UI and the agent. Served by two transports — Electron IPC
 * (preload + ipcMain) and the headless HTTP server — and validated the same way on both:
 * every argument arrives as `unknown` and is parsed with the schema below.
 */
import { z } from 'zod';
import { badInput } from './errors.ts';
import type { ConflictRecord } from './conflicts/conflict-log.ts';
import { EXPORT_FORMATS } from './conflicts/export.ts';
import type { ImportProblem } from './csv/import.ts';
import type { DrainStatus } from './engine/drainer.ts';
import type { Listener } from './events.ts';
import type { MetricsSnapshot } from './metrics.ts';
import type { FieldCatalogView } from './d365/metadata.ts';
// the form's field descriptions, for the renderer (which imports core only through this file)
export type { CatalogField, FieldCatalogView } from './d365/metadata.ts';
import type { EnqueueResult, Notice, Page } from './outbox/outbox.ts';
import { UPDATE_STATES, type Fields, type HistoryEvent, type StateCounts, type Update } from './outbox/types.ts';
import { CompanySchema, FieldsSchema, UpdateRequestSchema, fieldNameProblem } from './outbox/update-input.ts';
import { CSV_DELIMITERS, type CsvDelimiter } from './csv/csv.ts';
import { CSV_ENCODINGS, type CsvEncoding } from './csv/decode.ts';
import { ConnectionSchema, PreferencesSchema, type Connection, type Preferences } from './settings.ts';

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const fieldName = z.string().superRefine((name, ctx) => {
  const problem = fieldNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const isoDate = z.string().max(40);
const orderNumber = z.string().max(200);
/** found anywhere in the order number or a value, in any case */
const search = z.string().max(200);

const none = z.undefined().or(z.object({}).strict()).optional();

/** A CSV as text, or as the file's bytes (base64) so its encoding can be found or chosen. */
const csvImport = z
  .object({
    csv: z.string().max(50 * 1024 * 1024).optional(),
    data: z.string().max(70 * 1024 * 1024).optional(),
    encoding: z.enum(['auto', ...CSV_ENCODINGS]).default('auto'),
    delimiter: z.enum(['auto', ...CSV_DELIMITERS]).default('auto'),
    /** 'current': rows without a base get D365's current values as their base (one batched read) */
    base: z.enum(['as-given', 'current']).default('as-given'),
  })
  .strict()
  .refine((a) => (a.csv === undefined) !== (a.data === undefined), { message: 'give the file as csv (text) or data (base64), one of them' });

export const API_SCHEMAS = {
  status: none,
  listUpdates: z
    .object({
      state: z.enum(UPDATE_STATES).optional(),
      search: search.optional(),
      limit: z.number().int().min(1).max(1000).default(50),
      after: z.object({ updatedAt: z.number().int(), id }).strict().optional(),
    })
    .strict(),
  getUpdate: z.object({ id }).strict(),
  listConflicts: z
    .object({
      since: isoDate.optional(),
      until: isoDate.optional(),
      search: search.optional(),
      open: z.boolean().optional(),
      limit: z.number().int().min(1).max(10_000).default(500),
    })
    .strict(),
  exportConflicts: z
    .object({
      format: z.enum(EXPORT_FORMATS),
      since: isoDate.optional(),
      until: isoDate.optional(),
      search: search.optional(),
      /** the viewer's IANA time zone or UTC offset: XLSX dates show their clock (default UTC) */
      timeZone: z.string().max(64).optional(),
    })
    .strict(),
  /** counters by hour; since/until (ISO) pick the hours shown */
  metrics: z.object({ since: isoDate.optional(), until: isoDate.optional() }).strict().default({}),
  lookupOrder: z.object({ company: CompanySchema.optional(), orderNumber, fields: z.array(fieldName).min(1).max(100) }).strict(),
  /** the entity's fields as $metadata declares them (types, lengths, enum members), for the form */
  fieldCatalog: none,
  enqueue: UpdateRequestSchema.extend({ source: z.enum(['form', 'api', 'cli']).default('form') }).strict(),
  previewImport: csvImport,
  importCsv: csvImport,
  hold: z.object({ id }).strict(),
  release: z.object({ id }).strict(),
  cancel: z.object({ id }).strict(),
  /** a failed (or cancelled) update goes again */
  retry: z.object({ id }).strict(),
  /** a cancel undone: back to pending or held */
  undoCancel: z.object({ id }).strict(),
  /** a failed or held update with new values (and the base they were decided on), sent again */
  requeue: z.object({ id, fields: FieldsSchema, base: FieldsSchema.nullable().optional() }).strict(),
  /** many conflicts settled the same way at once */
  resolveConflicts: z
    .object({ ids: z.array(id).min(1).max(1000), resolution: z.discriminatedUnion('action', [z.object({ action: z.literal('keep-mine') }).strict(), z.object({ action: z.literal('take-theirs') }).strict()]) })
    .strict(),
  /** the current values of many orders in one round trip (scan mode: the base of each scan) */
  lookupOrders: z.object({ company: CompanySchema.optional(), orderNumbers: z.array(orderNumber).min(1).max(100), fields: z.array(fieldName).min(1).max(100) }).strict(),
  acknowledgeNotice: z.object({ id: z.number().int().max(Number.MAX_SAFE_INTEGER) }).strict(),
  resolveConflict: z
    .object({
      id,
      resolution: z.discriminatedUnion('action', [
        z.object({ action: z.literal('keep-mine') }).strict(),
        z.object({ action: z.literal('take-theirs') }).strict(),
        z.object({ action: z.literal('edit'), fields: FieldsSchema }).strict(),
      ]),
    })
    .strict(),
  pauseDrain: none,
  resumeDrain: none,
  drainNow: none,
  getSettings: none,
  saveSettings: z
    .object({
      connection: ConnectionSchema.nullable().optional(),
      secret: z.string().min(1).max(1000).optional(),
      preferences: PreferencesSchema.partial().optional(),
    })
    .strict(),
  testConnection: none,
  /** switch this window to the demo (its own outbox, the embedded simulator), and back */
  startDemo: none,
  leaveDemo: none,
} as const;

export type ApiMethod = keyof typeof API_SCHEMAS;
export const API_METHODS = Object.keys(API_SCHEMAS) as ApiMethod[];
export type ApiInput<M extends ApiMethod> = z.input<(typeof API_SCHEMAS)[M]>;
export type ApiArgs<M extends ApiMethod> = z.output<(typeof API_SCHEMAS)[M]>;

/** demo: the embedded simulator, in its own outbox; not-connected: nothing is sent */
export type AgentMode = 'demo' | 'd365' | 'not-connected';

export interface AgentStatus {
  counts: StateCounts;
  mode: AgentMode;
  /** where updates go: the environment URL, or the embedded simulator's; '' when nowhere */
  target: string;
  /** "Not connected to D365: 3 updates waiting. Run `outbox connect …` or open Settings." — null when connected or in the demo */
  connection: string | null;
  company: string;
  drain: DrainStatus;
  /** what a person must be told until they acknowledge it */
  notices: Notice[];
  /** failed updates a person should look at ("3 failed — need a look"); cancelled ones are not among them */
  failedNeedingLook: number;
}

export interface UpdateDetail {
  update: Update;
  history: HistoryEvent[];
  conflicts: ConflictRecord[];
}

export type OrderLookup = { online: true; values: Fields; etag: string } | { online: false; message: string };

/** Many orders read at once: each found one with its values, or why not. */
export type OrdersLookup =
  | { online: true; orders: ({ orderNumber: string; values: Fields; etag: string } | { orderNumber: string; error: { code: string; message: string } })[] }
  | { online: false; message: string };

export interface ImportPreview {
  rows: number;
  problems: ImportProblem[];
  /** how the file was read (found, or as chosen) */
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  /** the first rows as they will be queued (values read as their $metadata types) */
  sample: { line: number; company: string; orderNumber: string; fields: Fields; base: Fields | null }[];
  /** "Not checked yet: …" when the values could not be checked against D365's $metadata */
  note?: string;
}

export interface ExportFile {
  filename: string;
  contentType: string;
  /** the file: its text (CSV, JSON), or its bytes in base64 (XLSX): see encoding */
  body: string;
  encoding: 'utf-8' | 'base64';
  /** conflicts in the file; 0 means nothing matched: body is empty and no file should be written */
  count: number;
}

export interface SettingsView {
  mode: AgentMode;
  connection: Connection | null;
  /** the stored connection cannot be used: which setting is wrong and how to fix it */
  problem: string | null;
  /** a secret is stored for this connection; the secret itself never leaves the keychain */
  hasSecret: boolean;
  secretStore: string;
  preferences: Preferences;
}

export interface ApiOutputs {
  status: AgentStatus;
  listUpdates: Page<Update>;
  getUpdate: UpdateDetail;
  listConflicts: ConflictRecord[];
  exportConflicts: ExportFile;
  metrics: MetricsSnapshot;
  lookupOrder: OrderLookup;
  /** null until $metadata has been read for this connection (then queued values are not checked yet) */
  fieldCatalog: FieldCatalogView | null;
  /** note: "Not checked yet: …" when the values could not be checked against D365's $metadata */
  enqueue: EnqueueResult & { note?: string };
  previewImport: ImportPreview;
  importCsv: { queued: number; merged: number; note?: string };
  hold: Update;
  release: Update;
  cancel: Update;
  retry: Update;
  undoCancel: Update;
  requeue: Update;
  resolveConflicts: { resolved: Update[]; failed: { id: number; code: string; message: string }[] };
  lookupOrders: OrdersLookup;
  acknowledgeNotice: Notice[];
  resolveConflict: Update;
  pauseDrain: DrainStatus;
  resumeDrain: DrainStatus;
  drainNow: DrainStatus;
  getSettings: SettingsView;
  saveSettings: SettingsView;
  testConnection: { ok: boolean; message: string };
  startDemo: AgentStatus;
  leaveDemo: AgentStatus;
}

/** What the UI calls. Arguments are the schemas' inputs; defaults are filled in by parsing. */
export type AgentCalls = {
  [M in ApiMethod]: undefined extends ApiInput<M> ? (args?: ApiInput<M>) => Promise<ApiOutputs[M]> : (args: ApiInput<M>) => Promise<ApiOutputs[M]>;
};

export interface AgentApi extends AgentCalls {
  subscribe(listener: Listener): () => void;
}

/** What the agent implements: the same methods, taking arguments already parsed. */
export type AgentHandlers = { [M in ApiMethod]: (args: ApiArgs<M>) => Promise<ApiOutputs[M]> };

/** Errors cross every boundary as data. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export interface ApiTransport {
  call(method: ApiMethod, args: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: Listener): () => void;
}

/** An error the agent answered with; `code` is stable (BAD_INPUT, NOT_FOUND, INVALID_STATE…). */
export class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** The AgentApi over any transport (IPC, HTTP, in-process); the UI cannot tell which. */
export function createApiClient(transport: ApiTransport): AgentApi {
  const api: Record<string, unknown> = { subscribe: (l: Listener) => transport.subscribe(l) };
  for (const method of API_METHODS) {
    api[method] = async (args: unknown) => {
      const r = await transport.call(method, args);
      if (r.ok) return r.value;
      throw new ApiError(r.error.code, r.error.message);
    };
  }
  return api as unknown as AgentApi;
}

/** Parses an argument that arrived from outside; a BAD_INPUT message names the offending path. */
export function parseArgs<M extends ApiMethod>(method: M, args: unknown): ApiArgs<M> {
  const parsed = API_SCHEMAS[method].safeParse(args);
  if (parsed.success) return parsed.data as ApiArgs<M>;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
  throw badInput(`${method}: invalid argument${where}: ${issue?.message ?? 'malformed'}`);
}

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.hasOwn(API_SCHEMAS, name);
}

/** Defaults the UI shows and falls back to: one home each, here for the renderer. */
export { DEFAULT_AUTHORITY, RETRY_LIMIT_RANGE } from './settings.ts';
export { DEFAULT_COMPANY } from './outbox/update-input.ts';
