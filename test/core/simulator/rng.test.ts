import { describe, expect, it } from 'vitest';
import { createRng, formatGuid, pick, randomGuid, randomInt, streamSeed } from '../../../core/simulator/rng.ts';

describe('rng: every random choice of the simulator, reproducible from its seed', () => {
  it('the same seed gives the same stream; another seed another', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRng(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    // seeds are taken as 32-bit unsigned integers
    expect(draw(-1)).toEqual(draw(0xffffffff));
  });

  it('named streams are independent: drawing from one does not shift another', () => {
    expect(streamSeed(1, 'writers')).toBe(streamSeed(1, 'writers'));
    expect(streamSeed(1, 'writers')).not.toBe(streamSeed(1, 'faults'));
    expect(streamSeed(1, 'writers')).not.toBe(streamSeed(2, 'writers'));
    const writers = createRng(streamSeed(1, 'writers'));
    const alone = Array.from({ length: 5 }, writers);
    const writers2 = createRng(streamSeed(1, 'writers'));
    const faults = createRng(streamSeed(1, 'faults'));
    const interleaved = Array.from({ length: 5 }, () => (faults(), writers2()));
    expect(interleaved).toEqual(alone);
  });

  it('randomInt stays in [min, max) and reaches both ends; pick picks every item and refuses an empty list', () => {
    const rng = createRng(9);
    const ints = new Set(Array.from({ length: 2000 }, () => randomInt(rng, 3, 7)));
    expect([...ints].sort()).toEqual([3, 4, 5, 6]);
    const picked = new Set(Array.from({ length: 500 }, () => pick(rng, ['a', 'b', 'c'])));
    expect([...picked].sort()).toEqual(['a', 'b', 'c']);
    expect(() => pick(rng, [])).toThrow(RangeError);
  });

  it('randomGuid is shaped like a version-4 GUID, and reproducible', () => {
    const a = randomGuid(createRng(5));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(randomGuid(createRng(5))).toBe(a);
    expect(formatGuid('0123456789abcdef0123456789abcdef', '5', 'a')).toBe('01234567-89ab-5def-a123-456789abcdef');
  });
});
