import { createContext, Fragment, useCallback, useContext, useState, type ReactNode } from 'react';
import { useAgentEvents } from './use-agent-events.ts';

const SwitchedContext = createContext<() => void>(() => {});

/**
 * The window shows another agent after a switch to or from the demo (its own outbox, settings
 * and language): everything below is mounted afresh and loads again. The agent says so with a
 * 'mode' event; a switch made from this window does not wait for it.
 */
export function ModeBoundary({ children }: { children: ReactNode }) {
  const [epoch, setEpoch] = useState(0);
  const switched = useCallback(() => setEpoch((n) => n + 1), []);
  useAgentEvents(switched, ['mode']);
  return (
    <SwitchedContext.Provider value={switched}>
      <Fragment key={epoch}>{children}</Fragment>
    </SwitchedContext.Provider>
  );
}

export function useModeSwitch(): () => void {
  return useContext(SwitchedContext);
}
