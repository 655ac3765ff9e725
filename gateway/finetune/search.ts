import {
  randomSearch,
  type SearchPlan,
  type SearchSpace,
  type Searchable,
  type TrialParams,
} from '../../training/search.ts';
import type { TrainData, TrainResult } from '../../training/types.ts';
import type { JobRecord, TrialRow } from './job.ts';
import { DEFAULT_SEARCH_SPACE, type FinetuneOptions } from './options.ts';
import { trainForJob, trainOptionsOf, type TrainingDeps } from './train-step.ts';

/**
 * The training data of a job for an augmentation strength: the same held-out set and un-augmented
 * features every time, the augmented copies' features computed once per strength (shared by every trial
 * with that strength).
 */
export type DataFor = (augmentStrength: number) => Promise<TrainData>;

/** The trained candidate, and with `search` the trial it came from. */
export interface Candidate {
  result: TrainResult;
  trial?: number;
}

/**
 * Trains the job's candidate: one run with the options as sent, or with `options.search` a random search
 * (training/search.ts) whose trials are children of the job (`trials`, each with its parameters and
 * validation score), trained one after another in the training thread on shared features; the search stops
 * early when trials stop improving, and the best trial's candidate is returned (the others are dropped).
 * The job's `epochs` are the current trial's, and at the end the best one's.
 */
export async function trainCandidate(
  deps: TrainingDeps,
  job: JobRecord,
  signal: AbortSignal,
  o: FinetuneOptions,
  dataFor: DataFor,
): Promise<Candidate> {
  const { jobs } = deps;
  if (!o.search) {
    jobs.update(job, { state: 'training' });
    return { result: await trainForJob(deps, job, signal, await dataFor(o.augmentStrength), trainOptionsOf(o)) };
  }
  const s = o.search;
  // Without augmentation the strength changes nothing: it is not searched.
  const space: SearchSpace = Object.fromEntries(
    Object.entries(s.space ?? DEFAULT_SEARCH_SPACE).filter(
      ([k, v]) => v !== undefined && (k !== 'augmentStrength' || o.augment.length > 0),
    ),
  );
  const first: TrialParams = Object.fromEntries(Object.keys(space).map((k) => [k, o[k as Searchable]]));
  const plan: SearchPlan = { trials: s.trials, patience: s.patience, minDelta: s.minDelta, seed: o.seed, space, first };
  jobs.update(job, {
    search: { method: 'random', trials: s.trials, patience: s.patience, minDelta: s.minDelta },
    trials: [],
  });
  const rows: TrialRow[] = [];
  const setRow = (row: TrialRow) => {
    const i = rows.findIndex((r) => r.trial === row.trial);
    if (i >= 0) rows[i] = row;
    else rows.push(row);
    jobs.update(job, { trials: [...rows] });
  };
  let best: Candidate | undefined;
  const report = await randomSearch(plan, async (params, trial) => {
    const row: TrialRow = { trial, id: `${job.id}.${trial}`, params, state: 'training' };
    setRow(row);
    const data = await dataFor(params.augmentStrength ?? o.augmentStrength);
    jobs.update(job, { state: 'training', epochs: [] });
    let result: TrainResult;
    try {
      result = await trainForJob(deps, job, signal, data, trainOptionsOf(o, params));
    } catch (e) {
      setRow({ ...row, state: 'failed', error: (e as Error).message });
      throw e;
    }
    const score = result.validation.accuracy;
    setRow({
      ...row,
      state: 'done',
      score,
      valLoss: result.validation.loss,
      epochs: result.epochs.length,
      bestEpoch: result.bestEpoch,
      stoppedEarly: result.stoppedEarly,
    });
    const b = best?.result.validation;
    if (!b || score > b.accuracy || (score === b.accuracy && result.validation.loss < b.loss)) best = { result, trial };
    return { score, loss: result.validation.loss };
  });
  const chosen = best!;
  jobs.update(job, {
    epochs: chosen.result.epochs,
    search: { ...job.search!, best: report.best, stoppedEarly: report.stoppedEarly },
  });
  return chosen;
}
