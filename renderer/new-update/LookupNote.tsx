import type { Lookup } from './use-order-lookup.ts';

export function LookupNote({ lookup }: { lookup: Lookup }) {
  switch (lookup.status) {
    case 'idle':
      return <p className="hint muted">Scan or type an order number and press Enter.</p>;
    case 'loading':
      return <p className="hint muted">Reading the order's current values…</p>;
    case 'online':
      return <p className="hint hint-ok">Current values read from D365; they are kept as the base for the conflict check.</p>;
    case 'offline':
      return (
        <p className="hint hint-warning" role="status">
          Offline: the base is unknown. The update will be queued anyway and checked against D365 when it is sent. ({lookup.message})
        </p>
      );
    case 'error':
      return (
        <p className="hint hint-danger" role="alert">
          {lookup.message}
        </p>
      );
  }
}
