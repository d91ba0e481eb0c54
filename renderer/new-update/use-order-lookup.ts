import { useEffect, useState } from 'react';
import type { Fields } from '../../core/outbox/types.ts';
import { useApi } from '../app/api-context.tsx';
import { errorMessage } from '../format.ts';

export type Lookup =
  | { status: 'idle' }
  | { status: 'loading'; key: string }
  | { status: 'online'; key: string; values: Fields }
  | { status: 'offline'; key: string; message: string }
  | { status: 'error'; key: string; message: string };

export function lookupKey(company: string, orderNumber: string, fields: readonly string[]): string {
  return JSON.stringify([company.trim(), orderNumber.trim(), [...fields].sort()]);
}

const DELAY_MS = 200;

/** The order's current values for the fields being changed: they become the update's base. */
export function useOrderLookup(company: string, orderNumber: string, fields: readonly string[]): Lookup {
  const api = useApi();
  const [lookup, setLookup] = useState<Lookup>({ status: 'idle' });
  const key = lookupKey(company, orderNumber, fields);

  useEffect(() => {
    if (!orderNumber.trim() || fields.length === 0) {
      setLookup({ status: 'idle' });
      return;
    }
    let live = true;
    setLookup({ status: 'loading', key });
    const t = setTimeout(() => {
      api
        .lookupOrder({ orderNumber: orderNumber.trim(), fields: [...fields], ...(company.trim() ? { company: company.trim() } : {}) })
        .then((r) => {
          if (!live) return;
          setLookup(r.online ? { status: 'online', key, values: r.values } : { status: 'offline', key, message: r.message });
        })
        .catch((e: unknown) => {
          if (live) setLookup({ status: 'error', key, message: errorMessage(e) });
        });
    }, DELAY_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);

  return lookup;
}

export function baseFrom(values: Fields, fields: readonly string[]): Fields {
  return Object.fromEntries(fields.map((f) => [f, values[f] ?? null]));
}
