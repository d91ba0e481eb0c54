import { vi, type Mock } from 'vitest';
import { API_METHODS, ApiError, parseArgs, type AgentApi, type ApiMethod } from '../../core/api.ts';
import type { AgentEvent, Listener } from '../../core/events.ts';

export type FakeApi = AgentApi & { [M in ApiMethod]: Mock<AgentApi[M]> } & {
  /** delivers an event to every subscriber, as the transport would */
  emit(event: AgentEvent): void;
  listeners: Set<Listener>;
};

/**
 * An AgentApi for jsdom, where no agent can run: each method is a mock that answers what the
 * test gave it, and anything the test did not expect fails loudly like the agent would. The
 * arguments are parsed with the contract's own schemas first: a call the agent would refuse
 * fails here too (BAD_INPUT, as the transport reports it).
 */
export function fakeApi(impl: Partial<{ [M in ApiMethod]: AgentApi[M] }> = {}): FakeApi {
  const listeners = new Set<Listener>();
  let seq = 0;
  const api: Record<string, unknown> = {
    listeners,
    subscribe: vi.fn((l: Listener) => {
      listeners.add(l);
      return () => listeners.delete(l);
    }),
    emit: (event: AgentEvent) => {
      const stamped = { ...event, seq: ++seq, at: Date.now() } as Parameters<Listener>[0];
      for (const l of [...listeners]) l(stamped);
    },
  };
  for (const m of API_METHODS) {
    const answer = (impl[m] ?? (async () => Promise.reject(new ApiError('NOT_IMPLEMENTED', `the test did not expect ${m}`)))) as (a: unknown) => Promise<unknown>;
    api[m] = vi.fn(async (args?: unknown) => {
      try {
        parseArgs(m, args);
      } catch (e) {
        throw new ApiError('BAD_INPUT', (e as Error).message);
      }
      return answer(args);
    });
  }
  return api as unknown as FakeApi;
}
