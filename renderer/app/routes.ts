import { useEffect, useState } from 'react';
import { UPDATE_STATES, type UpdateState } from '../../core/outbox/types.ts';

export type Route =
  /** state: the queue opened on one state's tab (the "3 failed — need a look" link) */
  | { screen: 'queue'; state?: UpdateState }
  | { screen: 'new' }
  | { screen: 'conflicts'; updateId: number | null }
  | { screen: 'log' }
  | { screen: 'settings' };

export type Screen = Route['screen'];

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  switch (parts[0]) {
    case 'new':
      return { screen: 'new' };
    case 'conflicts': {
      const id = Number(parts[1]);
      return { screen: 'conflicts', updateId: Number.isInteger(id) && id > 0 ? id : null };
    }
    case 'log':
      return { screen: 'log' };
    case 'settings':
      return { screen: 'settings' };
    default: {
      const state = UPDATE_STATES.find((st) => st === parts[1]);
      return state ? { screen: 'queue', state } : { screen: 'queue' };
    }
  }
}

/** A screen's own route (the conflicts screen then opens the newest conflict). */
export function routeTo(screen: Screen): Route {
  return screen === 'conflicts' ? { screen, updateId: null } : { screen };
}

export function hrefFor(route: Route): string {
  if (route.screen === 'conflicts' && route.updateId !== null) return `#/conflicts/${route.updateId}`;
  if (route.screen === 'queue' && route.state) return `#/queue/${route.state}`;
  return `#/${route.screen}`;
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}

export function navigate(route: Route): void {
  window.location.hash = hrefFor(route);
}
