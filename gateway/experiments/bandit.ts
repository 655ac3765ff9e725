import { invalidInput } from '../../core/errors.ts';

/**
 * A multi-armed bandit for experiments in bandit mode: Thompson sampling over Beta posteriors, with a floor.
 *
 * Why Thompson sampling (and not epsilon-greedy or UCB):
 * - rewards are fractions in [0,1] sent by clients, and the Beta–Bernoulli update takes them as they are
 *   (`alpha += r`, `beta += 1 - r`: the expected posterior of a Bernoulli draw with mean r);
 * - it explores in proportion to uncertainty: an arm with few rewards has a wide posterior and still wins draws,
 *   a clearly worse arm with many rewards stops winning them;
 * - it needs no tuning constant (epsilon-greedy needs epsilon and a schedule, UCB an exploration constant
 *   whose right value depends on the reward scale);
 * - it is what production bandits use (Google Analytics content experiments, Microsoft's Decision Service,
 *   most ad and recommendation systems), and it tolerates delayed, batched feedback well because choices are random.
 *
 * The floor keeps every active arm explored for ever: with probability `floor × n` (n active arms) an arm is
 * picked uniformly, so each gets at least `floor` of the traffic whatever the posteriors say; otherwise the
 * arm with the highest draw from its posterior wins.
 *
 * The posteriors are stationary (no forgetting): an arm's rate that changes late is noticed slowly.
 */

interface BanditOptions {
  /** Minimum share of traffic per active variant, 0..1/n (n = number of arms); default min(0.05, 1/n). */
  floor: number;
  /** Uniform PRNG in [0,1), injectable for tests; default Math.random. */
  random?: () => number;
  /** Beta prior of every arm; default { alpha: 1, beta: 1 } (uniform). */
  prior?: { alpha: number; beta: number };
}

/** Posterior (prior included) and counters per arm; JSON-serialisable, for persistence. */
export interface BanditState {
  arms: Array<{ alpha: number; beta: number; pulls: number; rewardSum: number }>;
}

export interface Bandit {
  /** Picks an arm among `active` indices (paused variants excluded) by Thompson sampling with the floor. */
  choose(active: readonly number[]): number;
  /**
   * Records a reward in [0,1] for an arm (Beta–Bernoulli update with fractional rewards: alpha += r, beta += 1 - r).
   */
  reward(arm: number, r: number): void;
  /**
   * Current traffic share estimate per arm (for reports): Monte-Carlo probability each arm is best, mixed with the
   * floor.
   */
  shares(active: readonly number[], samples?: number): number[];
  /** A copy of the state, JSON-serialisable, for persistence. */
  state(): BanditState;
}

/** Most arms a bandit accepts (an experiment has a handful of variants). */
const MAX_ARMS = 1024;
/** Most Monte-Carlo samples `shares` accepts. */
const MAX_SHARE_SAMPLES = 1_000_000;
const DEFAULT_FLOOR = 0.05;
const DEFAULT_SHARE_SAMPLES = 2000;

/**
 * Creates a bandit over `arms` arms, fresh from the prior or continuing from a persisted `state`.
 * Throws INVALID_INPUT (naming the problem) on a bad arm count, floor, prior or state.
 *
 * Given the same state and a PRNG in the same position, a bandit makes the same choices: the samplers keep
 * no hidden cache (Box–Muller's second normal is thrown away), so `state()` is all there is to persist.
 *
 * @example
 * const b = createBandit(2, { floor: 0.05 });
 * const arm = b.choose([0, 1]);   // serve variant `arm`…
 * b.reward(arm, 1);              // …and credit it when the client's feedback arrives
 * save(JSON.stringify(b.state())); // later: createBandit(2, { floor: 0.05 }, JSON.parse(saved))
 */
export function createBandit(arms: number, options: Partial<BanditOptions> = {}, state?: BanditState): Bandit {
  if (!Number.isInteger(arms) || arms < 1 || arms > MAX_ARMS) {
    throw invalidInput(`a bandit needs an integer number of arms in 1..${MAX_ARMS}, got ${String(arms)}`);
  }
  const floor = options.floor ?? Math.min(DEFAULT_FLOOR, 1 / arms);
  if (typeof floor !== 'number' || !Number.isFinite(floor) || floor < 0 || floor > 1 / arms) {
    throw invalidInput(`bandit floor must be a number in [0, 1/${arms}] for ${arms} arms, got ${String(floor)}`);
  }
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw invalidInput('bandit random must be a function returning numbers in [0,1)');
  const prior = options.prior ?? { alpha: 1, beta: 1 };
  if (!isPositive(prior.alpha) || !isPositive(prior.beta)) {
    throw invalidInput(
      `bandit prior alpha and beta must be finite numbers > 0, got ${String(prior.alpha)}, ${String(prior.beta)}`,
    );
  }
  const table =
    state === undefined
      ? Array.from({ length: arms }, () => ({ alpha: prior.alpha, beta: prior.beta, pulls: 0, rewardSum: 0 }))
      : checkedState(state, arms);

  const checkArm = (arm: unknown, what: string): number => {
    if (typeof arm !== 'number' || !Number.isInteger(arm) || arm < 0 || arm >= arms) {
      throw invalidInput(`${what}: arm must be an integer in 0..${arms - 1}, got ${String(arm)}`);
    }
    return arm;
  };
  const checkActive = (active: readonly number[], what: string): void => {
    if (!Array.isArray(active) || active.length === 0) throw invalidInput(`${what}: no active arm to choose from`);
    const seen = new Set<number>();
    for (const a of active) {
      if (seen.has(checkArm(a, what))) throw invalidInput(`${what}: arm ${a} is listed twice among the active arms`);
      seen.add(a);
    }
  };
  /** Index into `active` of the arm with the highest posterior draw. */
  const thompson = (active: readonly number[]): number => {
    let best = 0;
    let bestDraw = -1;
    for (let i = 0; i < active.length; i++) {
      const arm = table[active[i]!]!;
      const draw = sampleBeta(arm.alpha, arm.beta, random);
      if (draw > bestDraw) {
        bestDraw = draw;
        best = i;
      }
    }
    return best;
  };
  const floorMass = (n: number): number => Math.min(1, floor * n);

  return {
    choose(active) {
      checkActive(active, 'bandit choose');
      const explore = random() < floorMass(active.length);
      const index = explore ? Math.min(active.length - 1, Math.floor(random() * active.length)) : thompson(active);
      const arm = active[index]!;
      table[arm]!.pulls++;
      return arm;
    },
    reward(arm, r) {
      checkArm(arm, 'bandit reward');
      if (typeof r !== 'number' || !(r >= 0 && r <= 1))
        throw invalidInput(`bandit reward must be a number in [0,1], got ${String(r)}`);
      const a = table[arm]!;
      a.alpha += r;
      a.beta += 1 - r;
      a.rewardSum += r;
    },
    shares(active, samples = DEFAULT_SHARE_SAMPLES) {
      checkActive(active, 'bandit shares');
      if (!Number.isInteger(samples) || samples < 1 || samples > MAX_SHARE_SAMPLES) {
        throw invalidInput(
          `bandit shares: samples must be an integer in 1..${MAX_SHARE_SAMPLES}, got ${String(samples)}`,
        );
      }
      const wins = new Array<number>(active.length).fill(0);
      for (let s = 0; s < samples; s++) wins[thompson(active)]!++;
      const mass = floorMass(active.length);
      const out = new Array<number>(arms).fill(0);
      active.forEach((arm, i) => {
        out[arm] = mass / active.length + (1 - mass) * (wins[i]! / samples);
      });
      return out;
    },
    state() {
      return { arms: table.map((a) => ({ ...a })) };
    },
  };
}

/**
 * A draw from Beta(alpha, beta) as X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta), computed from the
 * logarithms of the Gamma draws so that tiny shapes (whose draws underflow to 0) still give a number in [0,1].
 */
export function sampleBeta(alpha: number, beta: number, random: () => number): number {
  const lx = logGamma(alpha, random);
  const ly = logGamma(beta, random);
  return 1 / (1 + Math.exp(ly - lx));
}

/**
 * log of a draw from Gamma(shape, 1): Marsaglia & Tsang (2000) for shape ≥ 1; for shape < 1 the boost
 * Gamma(a) = Gamma(a + 1) · U^(1/a), done in log space.
 */
function logGamma(shape: number, random: () => number): number {
  if (shape < 1) return logGamma(shape + 1, random) + Math.log(uniformOpen(random)) / shape;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(random);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = uniformOpen(random);
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v)))
      return Math.log(d) + Math.log(v);
  }
}

/** A standard normal by Box–Muller (one of the pair; no cache, so a sampler's whole state is its PRNG). */
function normal(random: () => number): number {
  const u1 = uniformOpen(random);
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A uniform in (0,1], safe to take the logarithm of. */
function uniformOpen(random: () => number): number {
  return 1 - random();
}

function isPositive(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0;
}

/** A persisted state, checked arm by arm and copied so that the caller's object is never mutated. */
function checkedState(state: BanditState, arms: number): BanditState['arms'] {
  if (typeof state !== 'object' || state === null || !Array.isArray(state.arms)) {
    throw invalidInput('bandit state must be an object with an `arms` array');
  }
  if (state.arms.length !== arms)
    throw invalidInput(`bandit state has ${state.arms.length} arms, the bandit has ${arms}`);
  return state.arms.map((a, i) => {
    const ok =
      typeof a === 'object' &&
      a !== null &&
      isPositive(a.alpha) &&
      isPositive(a.beta) &&
      Number.isSafeInteger(a.pulls) &&
      a.pulls >= 0 &&
      typeof a.rewardSum === 'number' &&
      Number.isFinite(a.rewardSum) &&
      a.rewardSum >= 0;
    if (!ok)
      throw invalidInput(
        `bandit state arm ${i} is invalid: alpha and beta must be > 0, pulls an integer ≥ 0, rewardSum ≥ 0`,
      );
    return { alpha: a.alpha, beta: a.beta, pulls: a.pulls, rewardSum: a.rewardSum };
  });
}
