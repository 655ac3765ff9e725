import type { EpochReport, TrainData, TrainOptions, TrainResult } from '../types.ts';

/** What the training thread starts with (its `workerData`); the feature buffers are transferred. */
export interface TrainingWorkerData {
  data: TrainData;
  options: TrainOptions;
  /** 0.05..1: after a batch of t ms the thread sleeps t·(1/cpuShare − 1) ms. */
  cpuShare: number;
  nice: number;
  idle: boolean;
  /** One Int32: set to 1 by the host to cancel; read after every batch. */
  stop: SharedArrayBuffer;
}

/** Messages from the training thread. */
export type FromTrainingWorker =
  | { type: 'epoch'; report: EpochReport }
  | { type: 'done'; result: TrainResult }
  | { type: 'error'; code: string; message: string };
