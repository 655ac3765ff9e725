/**
 * A seeded uniform generator of floats in [0, 1) (mulberry32: 32-bit state, fast, the same sequence on
 * every platform): good enough for splits, augmentation, simulation and tests, not for secrets.
 *
 * @example
 * const rand = seededRandom(42);
 * rand(); // 0.6011037519201636, every time
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
