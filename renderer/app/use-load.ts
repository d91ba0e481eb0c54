import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { errorCode, errorMessage } from '../format.ts';

export interface LoadError {
  code: string | null;
  message: string;
}

export interface Loaded<T> {
  data: T | undefined;
  error: LoadError | null;
  /** true until the first answer; reloads keep showing the previous data */
  loading: boolean;
  reload(): void;
}

/** Loads on mount and when deps change; answers to stale requests are dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<LoadError | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const ticket = ++latest.current;
    loadRef
      .current()
      .then((value) => {
        if (ticket !== latest.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (ticket !== latest.current) return;
        setError({ code: errorCode(e), message: errorMessage(e) });
        setLoading(false);
      });
  }, []);

  useEffect(() => {
    setLoading(true);
    run();
    return () => {
      latest.current++;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { data, error, loading, reload: run };
}
