/** Shown when the server refuses us: the page was opened without the access token. */
export function NeedsToken({ message }: { message: string }) {
  return (
    <div className="needs-token">
      <h1>Outbox Agent</h1>
      <p>This page needs the access link printed by the agent when it started:</p>
      <pre>outbox serve{'\n'}  → http://127.0.0.1:PORT/?token=…</pre>
      <p className="muted">{message}</p>
    </div>
  );
}
