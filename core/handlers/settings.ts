/** The contract's settings: the D365 connection and its secret, preferences, the connection test. */
import type { AgentHandlers, ApiArgs, ApiOutputs, SettingsView } from '../api.ts';
import { OutboxError, badInput } from '../errors.ts';
import type { AgentParts } from './parts.ts';
import { queryHandlers } from './queries.ts';

/** getSettings, saveSettings, testConnection; the demo switch belongs to a host (DemoSwitch) */
export function settingsHandlers(p: AgentParts) {
  return {
    async getSettings(): Promise<SettingsView> {
      const connection = p.settings.connection();
      const stored = p.settings.stored();
      return {
        mode: (await queryHandlers(p).status()).mode,
        connection,
        problem: stored.kind === 'invalid' ? stored.problem : null,
        hasSecret: connection ? await p.link.hasSecret(connection) : false,
        secretStore: p.link.secretStoreKind,
        preferences: p.settings.preferences(),
      };
    },

    async saveSettings(args: ApiArgs<'saveSettings'>): Promise<SettingsView> {
      if (p.opts.demo !== undefined && (args.connection !== undefined || args.secret)) {
        throw new OutboxError('INVALID_STATE', 'This is the demo: its connection is the embedded simulator. Leave the demo to set up D365.');
      }
      if (args.preferences) {
        const prefs = p.settings.setPreferences(args.preferences);
        p.drainer.setRetryLimit(prefs.retryLimit);
      }
      if (args.connection !== undefined) {
        await p.link.save(args.connection, args.secret);
        await p.reconnect();
      } else if (args.secret) {
        const c = p.settings.connection();
        if (!c) throw badInput('a secret needs a connection: set the environment, tenant and client id first');
        await p.link.save(c, args.secret);
        await p.reconnect();
      }
      return settingsHandlers(p).getSettings();
    },

    async testConnection(): Promise<ApiOutputs['testConnection']> {
      const client = p.link.client;
      const state = p.link.state;
      if (!client || state.kind === 'not-connected') return { ok: false, message: state.kind === 'not-connected' ? state.reason : 'Not connected to D365.' };
      // reads $metadata afresh and keeps it: after `outbox connect` the CLI checks values offline
      const catalog = p.link.catalog!;
      const failed = await catalog.refresh();
      if (failed !== null) return { ok: false, message: failed };
      const read = await catalog.current();
      const n = read.checked ? read.model.properties.length : 0;
      return { ok: true, message: `Connected to ${state.target}: ${client.profile.entitySet} has ${n} fields.` };
    },

    /** Demo switching belongs to a host that can hold two agents (see DemoSwitch). */
    async startDemo(): Promise<ApiOutputs['startDemo']> {
      throw new OutboxError('INVALID_STATE', 'The demo can be started from the desktop app or `outbox serve`; here, run `outbox demo`.');
    },

    async leaveDemo(): Promise<ApiOutputs['leaveDemo']> {
      throw new OutboxError('INVALID_STATE', 'This agent is not showing the demo.');
    },
  } satisfies Partial<AgentHandlers>;
}
