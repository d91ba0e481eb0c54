/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32: tiny, fast and good enough for simulation. Every random choice of the simulator
 * comes from one of these so that a run is reproducible from its seed.
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed for an independent stream named `stream`. Separate streams keep one concern from
 * shifting another: turning random faults on must not change which writes the writers make.
 */
export function streamSeed(seed: number, stream: string): number {
  // FNV-1a over the stream name, mixed with the seed
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < stream.length; i++) {
    hash ^= stream.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** An integer in [min, max). */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.floor(rng() * items.length)] as T;
}

/** A version-4-shaped GUID drawn from `rng` (not a secure identifier). */
export function randomGuid(rng: Rng): string {
  let hex = '';
  for (let i = 0; i < 32; i++) hex += Math.floor(rng() * 16).toString(16);
  return formatGuid(hex, '4', (8 + Math.floor(rng() * 4)).toString(16));
}

export function formatGuid(hex32: string, version: string, variant: string): string {
  return [
    hex32.slice(0, 8),
    hex32.slice(8, 12),
    version + hex32.slice(13, 16),
    variant + hex32.slice(17, 20),
    hex32.slice(20, 32),
  ].join('-');
}
