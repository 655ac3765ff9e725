import type { FinetuneOptions } from './options.ts';
import type { EpochReport } from '../../training/types.ts';
import type { TrialParams } from '../../training/search.ts';

/**
 * Where a job is; the last four are final. `measuring` (distillation only): the published student's and the
 * teacher's latency and throughput are being measured.
 */
export type JobState =
  | 'queued'
  | 'extracting'
  | 'training'
  | 'validating'
  | 'publishing'
  | 'measuring'
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

/** One trial of a hyper-parameter search: a child of its job (`<job>.<n>`), with its parameters and scores. */
export interface TrialRow {
  trial: number;
  id: string;
  params: TrialParams;
  state: 'extracting' | 'training' | 'done' | 'failed';
  /** Held-out accuracy (fine-tuning) or top-1 agreement with the teacher (distillation) of its best epoch. */
  score?: number;
  valLoss?: number;
  epochs?: number;
  bestEpoch?: number;
  stoppedEarly?: boolean;
  error?: string;
}

/** A job's search: the plan, then the best trial and whether trials stopped improving before the last. */
export interface SearchRow {
  method: 'random';
  trials: number;
  patience: number;
  minDelta: number;
  best?: number;
  stoppedEarly?: boolean;
}

/** How fast one model answered, through the serving path, on the same held-out inputs. */
export interface Speed {
  /** One input per request, one request after another. */
  latencyMs: { p50: number; p95: number; requests: number };
  /** Every input in one request (the model batches as it serves). */
  itemsPerS: number;
}

/** What a distillation produced beside a fine-tuning result. */
export interface DistillResult {
  teacher: string;
  student: { model: string; version?: number; architecture?: string; base?: { model: string; version: number } };
  temperature: number;
  loss: string;
  /** Top-1 agreement with the teacher on the held-out inputs: the student's, and its base's when it has one. */
  agreement: { student: number; base?: number; heldOut: number };
  /** Inputs per class of the teacher's top label, all inputs. */
  teacherLabels: Record<string, number>;
  /** When some inputs carry labels: accuracy on those of the held-out inputs. */
  accuracy?: { labelled: number; teacher: number; student: number; base?: number };
  /** Latency and throughput of the teacher and the published student (absent when `benchmark` is 0). */
  speed?: { inputs: number; teacher: Speed; student: Speed; speedup: number } | { error: string };
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
  /** The trial whose candidate went through the gate (with `search`). */
  trial?: number;
  distill?: DistillResult;
}

/** A fine-tuning or distillation job as stored and shown (`GET /v1/jobs/{id}`). */
export interface JobRecord {
  id: string;
  /** Absent on records written before distillation existed: fine-tuning. */
  kind?: 'finetune' | 'distill';
  /** The model fine-tuned, or the ensemble distilled. */
  model: string;
  /** The version fine-tuned (distillation: the ensemble's version). */
  baseVersion: number;
  /** Distillation: the student trained. */
  student?: { model: string; version?: number; architecture?: string };
  state: JobState;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  options: FinetuneOptions;
  classes: string[];
  /** Training, held-out and augmented examples; distillation: and how many inputs carry labels. */
  examples: { train: number; validation: number; augmented: number; labelled?: number };
  /** Feature extraction progress (examples done of total). */
  progress?: { done: number; total: number };
  /** The epochs of the run in progress (with `search`: of the current trial, at the end of the best). */
  epochs: EpochRow[];
  search?: SearchRow;
  trials?: TrialRow[];
  /** Seconds left, estimated from the epochs so far (training only). */
  etaS?: number;
  result?: JobResult;
  /** Why the job failed or was rejected. */
  error?: string;
}
