import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/random.ts';
import { createBandit, sampleBeta, type Bandit } from './bandit.ts';

const INVALID = expect.objectContaining({ code: 'INVALID_INPUT' });

/** Serves `pulls` simulated requests: choose an arm, draw a Bernoulli reward at its true rate, feed it back. */
function simulate(
  bandit: Bandit,
  rates: readonly number[],
  pulls: number,
  world: () => number,
  active = rates.map((_, i) => i),
): number[] {
  const chosen: number[] = [];
  for (let i = 0; i < pulls; i++) {
    const arm = bandit.choose(active);
    chosen.push(arm);
    bandit.reward(arm, world() < rates[arm]! ? 1 : 0);
  }
  return chosen;
}
const shareOf = (arm: number, choices: readonly number[]) => choices.filter((c) => c === arm).length / choices.length;

describe('sampleBeta', () => {
  it('matches the mean and variance of Beta(a, b), tiny, uniform and large shapes alike', () => {
    const random = seededRandom(7);
    for (const [a, b] of [
      [2, 5],
      [0.5, 0.5],
      [1, 1],
      [200, 100],
      [0.05, 3],
    ] as const) {
      const n = 40_000;
      let sum = 0;
      let sq = 0;
      let outside = 0;
      for (let i = 0; i < n; i++) {
        const x = sampleBeta(a, b, random);
        if (!(x >= 0 && x <= 1)) outside++;
        sum += x;
        sq += x * x;
      }
      expect(outside).toBe(0);
      const mean = sum / n;
      const variance = sq / n - mean * mean;
      const trueMean = a / (a + b);
      const trueVar = (a * b) / ((a + b) ** 2 * (a + b + 1));
      // 5 standard errors of the mean; variance within 10 %.
      expect(Math.abs(mean - trueMean), `mean of Beta(${a},${b})`).toBeLessThan(5 * Math.sqrt(trueVar / n));
      expect(Math.abs(variance / trueVar - 1), `variance of Beta(${a},${b})`).toBeLessThan(0.1);
    }
  });

  it('stays a number in [0,1] when both shapes are so small that the Gamma draws underflow', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 1000; i++) {
      const x = sampleBeta(0.001, 0.001, random);
      expect(Number.isFinite(x) && x >= 0 && x <= 1).toBe(true);
    }
  });
});

describe('bandit (Thompson sampling with a floor)', () => {
  it('moves most traffic to the better of two arms (true rates 0.3 vs 0.6) within 2,000 pulls, for every seed', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const bandit = createBandit(2, { floor: 0.05, random: seededRandom(seed) });
      const chosen = simulate(bandit, [0.3, 0.6], 2000, seededRandom(1000 + seed));
      expect(shareOf(1, chosen.slice(-500)), `seed ${seed}`).toBeGreaterThanOrEqual(0.7);
      const s = bandit.state();
      expect(s.arms[0]!.pulls + s.arms[1]!.pulls).toBe(2000);
      expect(s.arms[1]!.rewardSum / s.arms[1]!.pulls).toBeCloseTo(0.6, 1);
    }
  });

  it('finds the best of three arms (0.2, 0.4, 0.6), and the best of the other two when it is paused', () => {
    for (const seed of [11, 12, 13]) {
      const bandit = createBandit(3, { random: seededRandom(seed) });
      const chosen = simulate(bandit, [0.2, 0.6, 0.4], 2000, seededRandom(2000 + seed));
      expect(shareOf(1, chosen.slice(-500)), `seed ${seed}`).toBeGreaterThanOrEqual(0.7);
      // Pause the winner: it is never chosen, the runner-up takes most traffic.
      const after = simulate(bandit, [0.2, 0.6, 0.4], 2000, seededRandom(3000 + seed), [0, 2]);
      expect(after).not.toContain(1);
      expect(shareOf(2, after.slice(-500)), `seed ${seed}`).toBeGreaterThanOrEqual(0.7);
    }
  });

  it('keeps every active arm at ≥ floor of the traffic even when the posteriors are certain, and not without a floor', () => {
    const certain = {
      arms: [
        { alpha: 1e6, beta: 1, pulls: 0, rewardSum: 0 },
        { alpha: 1, beta: 1e6, pulls: 0, rewardSum: 0 },
        { alpha: 1, beta: 1e6, pulls: 0, rewardSum: 0 },
      ],
    };
    const n = 20_000;
    const withFloor = createBandit(3, { floor: 0.1, random: seededRandom(5) }, certain);
    const chosen = Array.from({ length: n }, () => withFloor.choose([0, 1, 2]));
    // Each loser gets exactly the floor in expectation: Binomial(n, 0.1), standard deviation ≈ 0.0021 of n.
    for (const arm of [1, 2]) expect(Math.abs(shareOf(arm, chosen) - 0.1), `arm ${arm}`).toBeLessThan(0.01);
    const noFloor = createBandit(3, { floor: 0, random: seededRandom(5) }, certain);
    expect(Array.from({ length: 2000 }, () => noFloor.choose([0, 1, 2])).every((a) => a === 0)).toBe(true);
  });

  it('keeps the floor while learning: the worse arm of 0.3 vs 0.6 keeps ≥ floor of the last choices', () => {
    const bandit = createBandit(2, { floor: 0.05, random: seededRandom(9) });
    const chosen = simulate(bandit, [0.3, 0.6], 10_000, seededRandom(99));
    // Floor share of the last 5,000 ≥ 0.05 minus 4 standard deviations of Binomial(5000, 0.05) (≈ 0.012).
    expect(shareOf(0, chosen.slice(-5000))).toBeGreaterThanOrEqual(0.05 - 0.012);
  });

  it('never chooses a paused arm, with or without the floor', () => {
    for (const floor of [0, 0.05, 1 / 3]) {
      const bandit = createBandit(3, { floor, random: seededRandom(21) });
      const chosen = simulate(bandit, [0.9, 0.1, 0.5], 3000, seededRandom(22), [1, 2]);
      expect(chosen).not.toContain(0);
      expect(bandit.state().arms[0]).toEqual({ alpha: 1, beta: 1, pulls: 0, rewardSum: 0 });
    }
  });

  it('continues identically after its state round-trips through JSON', () => {
    let rng = seededRandom(31);
    const original = createBandit(3, { floor: 0.05, random: () => rng() });
    simulate(original, [0.3, 0.5, 0.6], 700, seededRandom(32));
    original.reward(2, 0.37); // a fractional reward survives too
    const saved = JSON.stringify(original.state());
    rng = seededRandom(77);
    const restored = createBandit(3, { floor: 0.05, random: seededRandom(77) }, JSON.parse(saved));
    expect(restored.state()).toEqual(original.state());
    const a = simulate(original, [0.3, 0.5, 0.6], 500, seededRandom(33));
    const b = simulate(restored, [0.3, 0.5, 0.6], 500, seededRandom(33));
    expect(b).toEqual(a);
    expect(restored.state()).toEqual(original.state());
    // A bandit started fresh would not have chosen the same (the state carries the learning).
    const fresh = simulate(
      createBandit(3, { floor: 0.05, random: seededRandom(77) }),
      [0.3, 0.5, 0.6],
      500,
      seededRandom(33),
    );
    expect(fresh).not.toEqual(a);
  });

  it('does not mutate the state object it was restored from, and state() hands out copies', () => {
    const state = {
      arms: [
        { alpha: 2, beta: 3, pulls: 4, rewardSum: 1 },
        { alpha: 1, beta: 1, pulls: 0, rewardSum: 0 },
      ],
    };
    const bandit = createBandit(2, {}, state);
    bandit.reward(0, 1);
    expect(state.arms[0]).toEqual({ alpha: 2, beta: 3, pulls: 4, rewardSum: 1 });
    const snapshot = bandit.state();
    snapshot.arms[0]!.alpha = 999;
    expect(bandit.state().arms[0]!.alpha).toBe(3);
  });

  it('updates the posterior with fractional rewards: alpha += r, beta += 1 - r', () => {
    const bandit = createBandit(2, { prior: { alpha: 2, beta: 2 } });
    bandit.reward(1, 0.25);
    bandit.reward(1, 1);
    bandit.reward(1, 0);
    expect(bandit.state().arms[1]).toEqual({ alpha: 3.25, beta: 3.75, pulls: 0, rewardSum: 1.25 });
  });

  it('reports shares: probability of being best mixed with the floor, 0 for paused arms, summing to 1', () => {
    const bandit = createBandit(3, { floor: 0.05, random: seededRandom(41) });
    simulate(bandit, [0.3, 0.6, 0.5], 2000, seededRandom(42));
    const shares = bandit.shares([0, 1, 2], 5000);
    expect(shares.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 10);
    expect(shares[1]).toBeGreaterThan(0.7);
    for (const s of shares) expect(s).toBeGreaterThanOrEqual(0.05);
    const paused = bandit.shares([0, 2], 5000);
    expect(paused[1]).toBe(0);
    expect(paused[2]).toBeGreaterThan(paused[0]!);
    expect(paused[0]! + paused[2]!).toBeCloseTo(1, 10);
    // A fresh bandit has no favourite: equal shares within Monte-Carlo error.
    const even = createBandit(2, { random: seededRandom(43) }).shares([0, 1], 20_000);
    expect(Math.abs(even[0]! - 0.5)).toBeLessThan(0.02);
  });

  it('refuses bad arguments with INVALID_INPUT naming the problem', () => {
    const bandit = createBandit(2);
    for (const r of [-0.01, 1.01, NaN, Infinity, '1' as unknown as number])
      expect(() => bandit.reward(0, r), String(r)).toThrow(INVALID);
    for (const arm of [-1, 2, 0.5, NaN]) {
      expect(() => bandit.reward(arm, 1), String(arm)).toThrow(INVALID);
      expect(() => bandit.choose([arm]), String(arm)).toThrow(INVALID);
    }
    expect(() => bandit.choose([])).toThrow(/no active arm/);
    expect(() => bandit.choose([1, 1])).toThrow(/listed twice/);
    expect(() => bandit.shares([0, 1], 0)).toThrow(INVALID);
    expect(() => bandit.shares([0, 1], 1.5)).toThrow(INVALID);
    expect(bandit.state().arms.map((a) => a.pulls)).toEqual([0, 0]); // nothing half-applied
    for (const arms of [0, -1, 1.5, NaN, 100_000]) expect(() => createBandit(arms), String(arms)).toThrow(INVALID);
    for (const floor of [-0.1, 0.51, NaN]) expect(() => createBandit(2, { floor }), String(floor)).toThrow(/floor/);
    expect(() => createBandit(2, { prior: { alpha: 0, beta: 1 } })).toThrow(/prior/);
    expect(() => createBandit(2, {}, { arms: [{ alpha: 1, beta: 1, pulls: 0, rewardSum: 0 }] })).toThrow(
      /1 arms, the bandit has 2/,
    );
    const bad = {
      arms: [
        { alpha: 1, beta: -1, pulls: 0, rewardSum: 0 },
        { alpha: 1, beta: 1, pulls: 0, rewardSum: 0 },
      ],
    };
    expect(() => createBandit(2, {}, bad)).toThrow(/arm 0 is invalid/);
    expect(() => createBandit(2, {}, null as unknown as undefined)).toThrow(INVALID);
  });

  it('defaults the floor to 0.05, or 1/n when there are more than 20 arms', () => {
    const certain = (n: number) => ({
      arms: Array.from({ length: n }, (_, i) =>
        i === 0 ? { alpha: 1e6, beta: 1, pulls: 0, rewardSum: 0 } : { alpha: 1, beta: 1e6, pulls: 0, rewardSum: 0 },
      ),
    });
    const two = createBandit(2, { random: seededRandom(51) }, certain(2));
    expect(two.shares([0, 1], 100)[1]).toBeCloseTo(0.05, 10);
    const many = createBandit(40, { random: seededRandom(52) }, certain(40));
    expect(
      many.shares(
        Array.from({ length: 40 }, (_, i) => i),
        100,
      )[5],
    ).toBeCloseTo(1 / 40, 10);
  });
});
