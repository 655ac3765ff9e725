import { createBandit, type Bandit, type BanditState } from './bandit.ts';
import type { Definition, Variant } from './definition.ts';
import { VariantFigures } from './figures.ts';
import { rendezvous, weightedRandom } from './rendezvous.ts';

/** A bandit's persisted state, with the arms (variant names) it was learned over. */
export interface SavedBandit {
  arms: string[];
  state: BanditState;
}

/**
 * One running experiment: its definition (immutable; a change builds a new Experiment that takes over
 * the figures and the bandit), how it picks a variant, and its per-variant figures.
 */
export class Experiment {
  /** The variants that serve (not shadows), in definition order: the bandit's arms. */
  readonly serving: readonly Variant[];
  readonly shadows: readonly Variant[];
  readonly control: Variant;
  readonly figures: Map<string, VariantFigures>;
  private readonly active: number[];
  private readonly names: string[];
  private readonly weights: number[];
  private readonly bandit?: Bandit;

  constructor(
    readonly name: string,
    readonly definition: Definition,
    previous?: Experiment,
    saved?: SavedBandit,
    private readonly random: () => number = Math.random,
  ) {
    this.serving = definition.variants.filter((v) => !v.shadow);
    this.shadows = definition.variants.filter((v) => v.shadow && !v.paused);
    this.control = definition.variants.find((v) => v.name === definition.control)!;
    this.names = this.serving.map((v) => v.name);
    this.active = this.serving.flatMap((v, i) => (v.paused ? [] : [i]));
    this.weights = this.serving.map((v) => (v.paused ? 0 : v.weight));
    this.figures = new Map(
      definition.variants.map((v) => [v.name, previous?.figures.get(v.name) ?? new VariantFigures()]),
    );
    if (definition.mode === 'bandit') {
      const arms = this.names;
      const floor = Math.min(definition.bandit?.floor ?? 0.05, 1 / arms.length);
      const prior =
        previous?.bandit && sameArms(previous.names, arms)
          ? previous.bandit.state()
          : saved && sameArms(saved.arms, arms)
            ? saved.state
            : undefined;
      this.bandit = createBandit(arms.length, { floor, random }, prior);
    }
  }

  /** True when no serving variant is live (all paused): requests are refused. */
  get halted(): boolean {
    return this.active.length === 0;
  }

  /**
   * The variant a request goes to. With a key: weighted rendezvous hashing (the same key keeps its
   * variant; in bandit mode the weights are the bandit's current shares). Without: random by weight, or
   * a Thompson draw in bandit mode. Undefined when every serving variant is paused.
   */
  choose(key?: string): Variant | undefined {
    if (this.active.length === 0) return undefined;
    if (this.bandit) {
      if (key === undefined) return this.serving[this.bandit.choose(this.active)];
      return this.serving[rendezvous(key, this.names, this.banditWeights())];
    }
    const i = key === undefined ? weightedRandom(this.weights, this.random) : rendezvous(key, this.names, this.weights);
    return this.serving[i];
  }

  private shareCache: { at: number; weights: number[] } | undefined;
  /** Bandit shares as weights, recomputed at most once a second (they take Monte-Carlo samples). */
  private banditWeights(): number[] {
    const now = Date.now();
    if (!this.shareCache || now - this.shareCache.at > 1000) {
      const shares = this.bandit!.shares(this.active, 1000);
      this.shareCache = {
        at: now,
        weights: this.serving.map((_, i) => (this.active.includes(i) ? Math.max(shares[i] ?? 0, 1e-9) : 0)),
      };
    }
    return this.shareCache.weights;
  }

  /** Credits a reward in [0, 1] to a variant (its figures, and the bandit in bandit mode). */
  reward(variant: string, r: number): void {
    this.figures.get(variant)?.rewarded(r);
    const arm = this.names.indexOf(variant);
    if (this.bandit && arm >= 0) {
      this.bandit.reward(arm, r);
      this.shareCache = undefined;
    }
  }

  /** The bandit's state to persist (undefined in weighted mode). */
  banditState(): SavedBandit | undefined {
    return this.bandit ? { arms: [...this.names], state: this.bandit.state() } : undefined;
  }

  /** Traffic shares now: the weights normalised, or the bandit's estimate. */
  shares(): Record<string, number> {
    const w = this.bandit ? this.bandit.shares(this.active, 2000) : this.weights;
    const total = w.reduce((s, x, i) => s + (this.active.includes(i) ? x : 0), 0);
    return Object.fromEntries(
      this.names.map((n, i) => [
        n,
        total > 0 && this.active.includes(i) ? Math.round((w[i]! / total) * 10_000) / 10_000 : 0,
      ]),
    );
  }
}

function sameArms(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
