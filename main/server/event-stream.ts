import type { ServerResponse } from 'node:http';
import type { Listener, StampedEvent } from '../../core/events.ts';

const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events: one `data:` line of JSON per agent event. Heartbeat comments keep
 * proxies and idle timers from closing a quiet stream; unsubscribing on close keeps a
 * closed tab from holding a listener forever.
 */
export function openEventStream(
  res: ServerResponse,
  subscribe: (l: Listener) => () => void,
  headers: Readonly<Record<string, string>>,
  heartbeatMs = HEARTBEAT_MS,
): () => void {
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const send = (e: StampedEvent): void => {
    res.write(`id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`);
  };
  const unsubscribe = subscribe(send);
  const beat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
  beat.unref();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(beat);
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  res.on('close', close);
  res.on('error', close);
  return close;
}
