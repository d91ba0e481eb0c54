/**
 * The one map of IPC channels between the main process and the preload. Both sides are typed
 * from it; the preload (a sandboxed CommonJS file that may only require 'electron') repeats the
 * literal names, and its types fail to compile if they drift from these.
 */
import type { ApiMethod, ApiResult } from '../../core/api.ts';
import type { StampedEvent } from '../../core/events.ts';

export const CHANNELS = {
  /** renderer → main, invoke: one AgentApi call */
  call: 'outbox:call',
  /** main → renderer: every agent event */
  event: 'outbox:event',
  /** main → renderer: open a route (`#/conflicts/12`), e.g. after a notification click */
  navigate: 'outbox:navigate',
} as const;

export type Channels = typeof CHANNELS;

export interface CallRequest {
  method: ApiMethod;
  args: unknown;
}

/** What travels on each channel. */
export interface ChannelPayloads {
  [CHANNELS.call]: { request: CallRequest; response: ApiResult<unknown> };
  [CHANNELS.event]: StampedEvent;
  [CHANNELS.navigate]: string;
}

/** Routes the renderer understands; anything else is not sent. */
export function isRouteHash(hash: string): boolean {
  return /^#\/[a-z]+(?:\/[0-9]{1,16})?$/.test(hash);
}
