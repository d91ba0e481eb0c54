/** The contract's CSV import: read the file as it was written, check every row, queue all or none. */
import type { AgentHandlers, ApiArgs, ApiOutputs } from '../api.ts';
import { decodeCsv, detectEncoding, type CsvEncoding } from '../csv/decode.ts';
import { planImport } from '../csv/import.ts';
import { fieldProblem } from '../d365/edm-values.ts';
import { isD365Error } from '../d365/errors.ts';
import { OutboxError, badInput } from '../errors.ts';
import { checkUpdate, describeKey, type CheckedUpdate } from '../outbox/update-input.ts';
import { company, entityModel, typedUpdate, type AgentParts } from './parts.ts';

/**
 * Reads the file as given (text, or bytes in the encoding found or chosen), checks every row
 * as planImport does, then types the values by $metadata: every bad row by its line.
 */
async function readImport(p: AgentParts, args: ApiArgs<'importCsv'>) {
  let csv = args.csv;
  let encoding: CsvEncoding = 'utf-8';
  if (args.data !== undefined) {
    const bytes = Buffer.from(args.data, 'base64');
    encoding = args.encoding === 'auto' ? detectEncoding(bytes) : args.encoding;
    csv = decodeCsv(bytes, encoding);
  }
  const plan = planImport(csv!, {
    defaultCompany: company(p, undefined),
    queuedBy: p.opts.queuedBy,
    delimiter: args.delimiter === 'auto' ? undefined : args.delimiter,
  });
  const read = { encoding, delimiter: plan.delimiter };
  const known = await entityModel(p);
  if (!('model' in known)) return { ...plan, ...read, note: known.note };
  const model = known.model;
  // A column D365 does not have (or may not change) is one problem of the header, not one per row.
  const names = [...new Set(plan.rows.flatMap((r) => Object.keys(r.input.fields)))];
  const header = names.map((n) => fieldProblem(model, n)).filter((p) => p !== null).map((message) => ({ line: 1, message: `column ${message}` }));
  if (header.length > 0) return { rows: [], problems: [...header, ...plan.problems].sort((a, b) => a.line - b.line), ...read, note: undefined };
  const rows: typeof plan.rows = [];
  const problems = [...plan.problems];
  for (const row of plan.rows) {
    const typed = typedUpdate(model, row.input);
    if (Array.isArray(typed)) problems.push({ line: row.line, message: typed.join('; ') });
    else rows.push({ line: row.line, input: typed });
  }
  return { rows, problems: problems.sort((a, b) => a.line - b.line), ...read, note: undefined };
}

/**
 * Rows without a base get D365's current values as their base, read in batches: a change
 * someone makes between this import and the send is then a conflict, not overwritten.
 */
async function withCurrentBase(p: AgentParts, inputs: CheckedUpdate[]): Promise<CheckedUpdate[]> {
  const client = p.link.client;
  if (!client) throw new OutboxError('INVALID_STATE', 'Not connected to D365: the current values cannot be read. Import without them as the base, or connect first.');
  const out: CheckedUpdate[] = [];
  for (let i = 0; i < inputs.length; i += 50) {
    const chunk = inputs.slice(i, i + 50);
    const reads = await client.readOrders(chunk, chunk.map((u) => Object.keys(u.fields)));
    for (const [j, u] of chunk.entries()) {
      const read = reads[j]!;
      if (isD365Error(read)) {
        if (read.code === 'NOT_FOUND') throw badInput(`${describeKey(u)}: ${read.message}`);
        throw read;
      }
      const base = { ...Object.fromEntries(Object.keys(u.fields).map((f) => [f, read.values[f] ?? null])), ...(u.base ?? {}) };
      out.push(checkUpdate({ ...u, base }));
    }
  }
  return out;
}

/** previewImport, importCsv */
export function importHandlers(p: AgentParts) {
  return {
    async previewImport(args: ApiArgs<'previewImport'>): Promise<ApiOutputs['previewImport']> {
      const plan = await readImport(p, args);
      return {
        ...(plan.note === undefined ? {} : { note: plan.note }),
        rows: plan.rows.length,
        problems: plan.problems,
        encoding: plan.encoding,
        delimiter: plan.delimiter,
        sample: plan.rows.slice(0, 20).map((r) => ({
          line: r.line,
          company: r.input.company,
          orderNumber: r.input.orderNumber,
          fields: r.input.fields,
          base: r.input.base,
        })),
      };
    },

    async importCsv(args: ApiArgs<'importCsv'>): Promise<ApiOutputs['importCsv']> {
      const plan = await readImport(p, args);
      if (plan.problems.length > 0) {
        const first = plan.problems.slice(0, 5).map((p) => `line ${p.line}: ${p.message}`).join('; ');
        throw badInput(`${plan.problems.length} row(s) are wrong, nothing was imported: ${first}`);
      }
      const note = plan.note;
      const inputs = args.base === 'current' ? await withCurrentBase(p, plan.rows.map((r) => r.input)) : plan.rows.map((r) => r.input);
      const results = p.outbox.enqueueMany(inputs);
      for (const [i, r] of results.entries()) {
        const input = plan.rows[i]!.input;
        p.events.emit({ type: 'queued', id: r.id, company: input.company, orderNumber: input.orderNumber, coalesced: r.coalesced });
      }
      p.drainer.wake();
      const counts = { queued: results.length, merged: results.filter((r) => r.coalesced).length };
      return note === undefined ? counts : { ...counts, note };
    },
  } satisfies Partial<AgentHandlers>;
}
