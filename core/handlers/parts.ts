/**
 * What the contract's handlers work with: the parts of one agent, and the few rules several
 * handlers share. The Agent (core/agent.ts) builds one and hands it to each group of handlers.
 */
import type { AgentOptions } from '../agent.ts';
import type { D365Link } from '../connection.ts';
import type { EntityModel } from '../d365/edm.ts';
import { typeFields } from '../d365/edm-values.ts';
import { isD365Error } from '../d365/errors.ts';
import { NOT_CONNECTED_NOTE } from '../d365/metadata.ts';
import type { Drainer } from '../engine/drainer.ts';
import { isOutboxError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import type { Metrics } from '../metrics.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { checkUpdate, type CheckedUpdate } from '../outbox/update-input.ts';
import type { Settings } from '../settings.ts';

export interface AgentParts {
  outbox: Outbox;
  events: EventBus;
  metrics: Metrics;
  settings: Settings;
  drainer: Drainer;
  link: D365Link;
  opts: AgentOptions;
  /** rebuilds the link from the stored connection and tells the drainer */
  reconnect(): Promise<void>;
}

/** The company an update names, else the agent's default, else the saved preference. */
export function company(p: AgentParts, given: string | undefined): string {
  if (given && given.trim() !== '') return given;
  return p.opts.defaultCompany ?? p.settings.preferences().defaultCompany;
}

/**
 * The entity model queued values are checked against (cached $metadata, however old, while
 * D365 cannot be asked), or the note saying they were not checked.
 */
export async function entityModel(p: AgentParts): Promise<{ model: EntityModel } | { note: string }> {
  const catalog = p.link.catalog;
  if (!catalog) return { note: NOT_CONNECTED_NOTE };
  const state = await catalog.current();
  return state.checked ? { model: state.model } : { note: state.note };
}

/**
 * An update's values (and base) read as the types $metadata gives them, as a checked update;
 * or every problem, in words a person can act on.
 */
export function typedUpdate(model: EntityModel, u: CheckedUpdate): CheckedUpdate | string[] {
  const fields = typeFields(model, u.fields);
  // a base is checked only for fields that passed: one problem per field is enough
  const given = u.base ? Object.fromEntries(Object.entries(u.base).filter(([name]) => name in fields.fields)) : null;
  const base = given ? typeFields(model, given, 'base') : null;
  const problems = [...fields.problems, ...(base?.problems ?? [])];
  if (problems.length > 0) return problems;
  return checkUpdate({ ...u, fields: fields.fields, base: base ? base.fields : null });
}

/** Any error as `{ code, message }` data; never a stack, never a secret. */
export function errorData(e: unknown): { code: string; message: string } {
  if (isOutboxError(e) || isD365Error(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
