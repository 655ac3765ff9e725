/**
 * Weighted rendezvous hashing (highest random weight): each key scores every variant with
 * `-weight / ln(u)`, `u = hash(key, variant)` uniform in (0, 1), and goes to the highest score. A key
 * lands on variant i with probability weight_i / Σ weights, and a weight change moves only the keys it
 * must: raising one weight moves keys only *to* that variant, pausing one moves only its own keys.
 */

/** 32-bit FNV-1a of `s` from `seed`, finished with murmur3's fmix32. */
function hash32(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in (0, 1) from `key` and `variant` (53 bits from two independent 32-bit hashes). */
export function unitHash(key: string, variant: string): number {
  const s = `${key}\u0000${variant}`;
  const hi = hash32(s, 0x811c9dc5) >>> 11; // 21 bits
  const lo = hash32(s, 0x9e3779b9); // 32 bits
  return (hi * 2 ** 32 + lo + 0.5) / 2 ** 53;
}

/** The index of the variant `key` goes to among `names` with `weights` (all positive); -1 when none. */
export function rendezvous(key: string, names: readonly string[], weights: readonly number[]): number {
  let best = -1;
  let bestScore = -Infinity;
  for (let i = 0; i < names.length; i++) {
    const w = weights[i]!;
    if (!(w > 0)) continue;
    const score = -w / Math.log(unitHash(key, names[i]!));
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

/** A random index by weight (`random` in [0, 1)); -1 when no weight is positive. */
export function weightedRandom(weights: readonly number[], random: () => number = Math.random): number {
  let total = 0;
  for (const w of weights) if (w > 0) total += w;
  if (!(total > 0)) return -1;
  let r = random() * total;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w > 0)) continue;
    last = i;
    if (r < w) return i;
    r -= w;
  }
  return last;
}
