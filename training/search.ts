import { GatewayError, isGatewayError } from '../core/errors.ts';
import { seededRandom } from '../core/random.ts';

/** The hyper-parameters a search may vary. */
export const SEARCHABLE = ['learningRate', 'epochs', 'batchSize', 'augmentStrength'] as const;
export type Searchable = (typeof SEARCHABLE)[number];

/**
 * One hyper-parameter's space: a list of values to pick from, or a range `[min, max]` drawn uniformly
 * (log-uniformly with `log`, the default for the learning rate). `epochs` and `batchSize` are rounded to
 * integers, `augmentStrength` to steps of 0.1 (so that trials can share the features of augmented copies).
 */
export type ParamSpace = readonly number[] | { min: number; max: number; log?: boolean | undefined };

export type SearchSpace = Partial<Record<Searchable, ParamSpace>>;
export type TrialParams = Partial<Record<Searchable, number>>;

/** How a search runs: at most `trials` trials, stopping after `patience` trials in a row without a better score. */
export interface SearchPlan {
  trials: number;
  /** Trials in a row that do not beat the best score by more than `minDelta` before the search stops. */
  patience: number;
  minDelta: number;
  seed: number;
  space: SearchSpace;
  /** The first trial's parameters (the request's own options), so the search never ends below them. */
  first: TrialParams;
}

/** What one trial scored on the validation set: higher `score` is better, `loss` breaks ties (lower wins). */
export interface TrialScore {
  score: number;
  loss: number;
}

/** One finished (or failed) trial. */
export interface TrialReport<R extends TrialScore> {
  /** 1-based. */
  trial: number;
  params: TrialParams;
  outcome?: R;
  error?: string;
}

/** The outcome of a search: every trial run, the best one, and whether it stopped before its last trial. */
export interface SearchReport<R extends TrialScore> {
  method: 'random';
  trials: TrialReport<R>[];
  /** The trial number of the best (highest score, then lowest loss, then earliest). */
  best: number;
  stoppedEarly: boolean;
}

const INTEGER: ReadonlySet<Searchable> = new Set(['epochs', 'batchSize']);

function draw(name: Searchable, space: ParamSpace, rand: () => number): number {
  if (Array.isArray(space)) return space[Math.floor(rand() * space.length)]!;
  const { min, max, log } = space as Exclude<ParamSpace, readonly number[]>;
  const useLog = (log ?? name === 'learningRate') && min > 0;
  const u = rand();
  const v = useLog ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  if (INTEGER.has(name)) return Math.min(max, Math.max(min, Math.round(v)));
  if (name === 'augmentStrength') return Math.min(max, Math.max(min, Math.round(v * 10) / 10));
  return +v.toPrecision(3);
}

/**
 * The parameters of trials 2..count, drawn at random from `space` (seeded: the same plan gives the same trials).
 *
 * @example
 * sampleTrials({ learningRate: { min: 1e-4, max: 1e-1 }, batchSize: [16, 32] }, 3, 1);
 * // [{ learningRate: 0.0031, batchSize: 32 }, …]
 */
export function sampleTrials(space: SearchSpace, count: number, seed: number): TrialParams[] {
  const rand = seededRandom(seed);
  const names = SEARCHABLE.filter((n) => space[n] !== undefined);
  return Array.from({ length: count }, () => Object.fromEntries(names.map((n) => [n, draw(n, space[n]!, rand)])));
}

const better = (a: TrialScore, b: TrialScore) => a.score > b.score || (a.score === b.score && a.loss < b.loss);

/**
 * Random search with early stopping: trial 1 runs `plan.first` (the options as given), trials 2..N
 * parameters drawn at random from the space, one after another; the search stops when `patience` trials
 * in a row have not beaten the best score by more than `minDelta`. A trial that fails is recorded with
 * its error and the search goes on (CANCELLED and shutdowns end it); if every trial failed, the last error
 * is thrown. The best trial is the highest score, then the lowest loss, then the earliest.
 *
 * @example
 * const report = await randomSearch(plan, (params) => train({ ...options, ...params }), (t) => progress(t));
 * report.trials[report.best - 1].outcome; // the candidate that goes through the gate
 */
export async function randomSearch<R extends TrialScore>(
  plan: SearchPlan,
  run: (params: TrialParams, trial: number) => Promise<R>,
  onTrial?: (t: TrialReport<R>, sinceBest: number) => void,
): Promise<SearchReport<R>> {
  const params = [plan.first, ...sampleTrials(plan.space, plan.trials - 1, plan.seed)];
  const trials: TrialReport<R>[] = [];
  let best: TrialReport<R> | undefined;
  let sinceBest = 0;
  let lastError: unknown;
  for (const [i, p] of params.entries()) {
    const report: TrialReport<R> = { trial: i + 1, params: p };
    try {
      report.outcome = await run(p, i + 1);
    } catch (e) {
      if (isGatewayError(e) && (e.code === 'CANCELLED' || e.code === 'UNAVAILABLE')) throw e;
      lastError = e;
      report.error = e instanceof Error ? e.message : String(e);
    }
    trials.push(report);
    const o = report.outcome;
    if (o && (!best || o.score > best.outcome!.score + plan.minDelta)) sinceBest = 0;
    else sinceBest++;
    if (o && (!best || better(o, best.outcome!))) best = report;
    onTrial?.(report, sinceBest);
    if (sinceBest >= plan.patience && i + 1 < params.length) {
      if (best) return { method: 'random', trials, best: best.trial, stoppedEarly: true };
    }
  }
  if (!best) {
    throw lastError instanceof Error
      ? lastError
      : new GatewayError('INTERNAL', `every trial failed: ${String(lastError)}`);
  }
  return { method: 'random', trials, best: best.trial, stoppedEarly: false };
}
