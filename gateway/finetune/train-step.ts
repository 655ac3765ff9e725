import { startTraining } from '../../training/worker/index.ts';
import type { TrainData, TrainOptions, TrainResult } from '../../training/types.ts';
import type { TrialParams } from '../../training/search.ts';
import type { JobRecord } from './job.ts';
import type { JobRegistry } from './jobs.ts';
import type { FinetuneOptions } from './options.ts';

/** What training a head for a job needs: the registry to report epochs to, and the training thread's share. */
export interface TrainingDeps {
  jobs: JobRegistry;
  /** Share of one core and nice value of the training thread, the gate's default bar, the features' memory cap. */
  training: { cpuShare: number; nice: number; minAccuracy: number; maxFeatureBytes: number };
}

/**
 * A job's options as the training core takes them, with a search trial's parameters over them.
 *
 * @example trainOptionsOf(options, { learningRate: 0.01 }).learningRate; // 0.01
 */
export function trainOptionsOf(o: FinetuneOptions, params: TrialParams = {}): TrainOptions {
  return {
    epochs: params.epochs ?? o.epochs,
    learningRate: params.learningRate ?? o.learningRate,
    batchSize: params.batchSize ?? o.batchSize,
    patience: o.patience,
    seed: o.seed,
    hidden: o.hidden,
    dropout: o.dropout,
    unfreeze: o.unfreeze,
  };
}

/**
 * Trains one head for `job` in a training thread (lower priority, the configured CPU share): each epoch
 * is appended to the job's `epochs` (an `epoch` event, with an ETA from the mean epoch so far), and the
 * job's cancel stops the thread after its current batch (the promise rejects CANCELLED).
 */
export async function trainForJob(
  deps: TrainingDeps,
  job: JobRecord,
  signal: AbortSignal,
  data: TrainData,
  options: TrainOptions,
): Promise<TrainResult> {
  const { jobs } = deps;
  const handle = startTraining(data, options, {
    cpuShare: deps.training.cpuShare,
    nice: deps.training.nice,
    onEpoch(r) {
      const epochs = [...job.epochs, r];
      const mean = epochs.reduce((a, e) => a + e.ms, 0) / epochs.length;
      jobs.update(job, { epochs, etaS: Math.round((mean * (options.epochs - r.epoch)) / 1000) }, 'epoch');
    },
  });
  const onAbort = () => handle.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await handle.result;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
