import type { FinetuneOptions } from './options.ts';
import type { EpochReport } from '../../training/types.ts';

/** Where a job is; the last four are final. */
export type JobState =
  | 'queued'
  | 'extracting'
  | 'training'
  | 'validating'
  | 'publishing'
  | 'succeeded'
  | 'rejected'
  | 'failed'
  | 'cancelled';
export const FINAL_STATES: readonly JobState[] = ['succeeded', 'rejected', 'failed', 'cancelled'];

/** One epoch of training as reported to clients (the training thread's report, as it is). */
export type EpochRow = EpochReport;

/** Scores of one model on the held-out examples. */
export interface Scores {
  accuracy: number;
  /** Per class: precision, recall and the number of held-out examples. */
  perClass?: Record<string, { precision: number; recall: number; support: number }>;
}

/** What a finished job produced. */
export interface JobResult {
  /** The candidate and, when the label sets match, the served version on the same held-out examples. */
  scores: { candidate: Scores; served?: Scores & { version: number } };
  gate: { minAccuracy: number; notWorse: boolean; passed: boolean; reason?: string };
  /** The version published (succeeded jobs). */
  version?: number;
  /** What the deploy did: the mode, the experiment or label changes it made. */
  deploy?: { mode: string; experiment?: string; previousDefault?: number; weight?: number; rolledBack?: boolean };
  bestEpoch?: number;
  stoppedEarly?: boolean;
  backend?: string;
}

/** A fine-tuning job as stored and shown (`GET /v1/jobs/{id}`). */
export interface JobRecord {
  id: string;
  model: string;
  /** The version fine-tuned. */
  baseVersion: number;
  state: JobState;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  options: FinetuneOptions;
  classes: string[];
  examples: { train: number; validation: number; augmented: number };
  /** Feature extraction progress (examples done of total). */
  progress?: { done: number; total: number };
  epochs: EpochRow[];
  /** Seconds left, estimated from the epochs so far (training only). */
  etaS?: number;
  result?: JobResult;
  /** Why the job failed or was rejected. */
  error?: string;
}
