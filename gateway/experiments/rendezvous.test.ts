import { describe, expect, it } from 'vitest';
import { rendezvous, unitHash, weightedRandom } from './rendezvous.ts';

const N = 10_000;
const keys = Array.from({ length: N }, (_, i) => `user-${i}`);

/** Pearson's chi-square statistic of observed counts against expected shares. */
function chiSquare(counts: number[], shares: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, i) => s + (c - total * shares[i]!) ** 2 / (total * shares[i]!), 0);
}
// Critical values at p = 0.001: a correct split fails these one time in a thousand (the hashes are fixed, so never
// flaky).
const CHI2_CRIT = { 1: 10.83, 2: 13.82, 3: 16.27 } as const;

function split(names: string[], weights: number[]): number[] {
  const counts = names.map(() => 0);
  for (const k of keys) counts[rendezvous(k, names, weights)]! += 1;
  return counts;
}

describe('weighted rendezvous hashing', () => {
  it('unitHash is uniform in (0, 1)', () => {
    const bins = new Array(10).fill(0);
    for (const k of keys) {
      const u = unitHash(k, 'a');
      expect(u).toBeGreaterThan(0);
      expect(u).toBeLessThan(1);
      bins[Math.floor(u * 10)] += 1;
    }
    expect(
      chiSquare(
        bins,
        bins.map(() => 0.1),
      ),
    ).toBeLessThan(27.88); // df 9, p = 0.001
  });

  it.each([
    [[50, 50], 1],
    [[90, 10], 1],
    [[70, 20, 10], 2],
    [[1, 1, 1, 1], 3],
  ] as const)('splits 10,000 keys by weights %j within chi-square tolerance', (weights, df) => {
    const names = weights.map((_, i) => `v${i}`);
    const counts = split(names, [...weights]);
    const total = weights.reduce((a, b) => a + b, 0);
    expect(
      chiSquare(
        counts,
        weights.map((w) => w / total),
      ),
    ).toBeLessThan(CHI2_CRIT[df]);
  });

  it('is sticky: a key always gets the same variant, whatever the order of the variants', () => {
    const names = ['control', 'challenger', 'third'];
    for (const k of keys.slice(0, 500)) {
      const v = names[rendezvous(k, names, [5, 3, 2])];
      expect(names[rendezvous(k, names, [5, 3, 2])]).toBe(v);
      const reversed = [...names].reverse();
      expect(reversed[rendezvous(k, reversed, [2, 3, 5])]).toBe(v);
    }
  });

  it('a weight change 50/50 → 60/40 moves about 10 % of the keys, all towards the variant that gained', () => {
    const names = ['a', 'b'];
    const before = keys.map((k) => rendezvous(k, names, [50, 50]));
    const after = keys.map((k) => rendezvous(k, names, [60, 40]));
    const moved = before.filter((v, i) => v !== after[i]);
    expect(moved.every((v) => v === 1)).toBe(true); // only b → a
    // The minimum possible is 10 % (1,000 keys); the binomial standard deviation is 30, so ±150 is 5 σ.
    expect(moved.length).toBeGreaterThan(850);
    expect(moved.length).toBeLessThan(1150);
  });

  it('pausing one of three variants moves only its own keys, spread over the others by weight', () => {
    const names = ['a', 'b', 'c'];
    const before = keys.map((k) => rendezvous(k, names, [1, 1, 2]));
    const after = keys.map((k) => rendezvous(k, names, [1, 0, 2]));
    for (let i = 0; i < N; i++) if (before[i] !== 1) expect(after[i]).toBe(before[i]);
    const fromB = after.filter((_v, i) => before[i] === 1);
    expect(fromB.every((v) => v !== 1)).toBe(true);
    const toA = fromB.filter((v) => v === 0).length;
    expect(chiSquare([toA, fromB.length - toA], [1 / 3, 2 / 3])).toBeLessThan(CHI2_CRIT[1]);
  });

  it('without a key, a random split by weight is within chi-square tolerance over 10,000 draws', () => {
    let s = 42;
    const random = () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const counts = [0, 0, 0];
    for (let i = 0; i < N; i++) counts[weightedRandom([6, 3, 1], random)]! += 1;
    expect(chiSquare(counts, [0.6, 0.3, 0.1])).toBeLessThan(CHI2_CRIT[2]);
  });

  it('never picks a variant of weight 0, and -1 when none is positive', () => {
    expect(rendezvous('k', ['a', 'b'], [0, 0])).toBe(-1);
    expect(weightedRandom([0, 0])).toBe(-1);
    for (const k of keys.slice(0, 200)) expect(rendezvous(k, ['a', 'b'], [0, 1])).toBe(1);
  });
});
