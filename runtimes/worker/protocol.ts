import type { Tensor, TensorInfo } from '../../core/tensor.ts';
import type { LoadSpec } from '../runtime.ts';
import type { StepSpec } from './step.ts';

/** Messages between a model instance's host (main thread) and its worker thread. */
export type ToWorker =
  | { type: 'run'; id: number; feeds: Record<string, Tensor>; outputs?: string[] }
  /** Runs the model's worker step (WorkerData.step) on `feeds`: one message however often it calls the model. */
  | { type: 'step'; id: number; feeds: Record<string, Tensor> }
  /** Gives up step run `id`: its model calls throw CANCELLED from now on (the run still answers, with that error). */
  | { type: 'cancel'; id: number }
  | { type: 'dispose'; id: number };

export type FromWorker =
  | {
      type: 'loaded';
      inputs: TensorInfo[];
      outputs: TensorInfo[];
      provider: string;
      labels?: readonly string[] | undefined;
    }
  /** `ms`: how long the run took in the worker thread (the rest of the round trip is messaging and waiting). */
  | { type: 'result'; id: number; outputs: Record<string, Tensor>; ms?: number }
  | { type: 'error'; id?: number; code: string; message: string };

export interface WorkerData {
  runtime: string;
  spec: LoadSpec;
  /** The plugin's worker step, imported after the model loads (a failure fails the load). */
  step?: StepSpec;
  /** Module to import before loading, for runtimes registered outside this repository. */
  runtimeModule?: string | undefined;
  /** Nice value for the worker and the threads its runtime starts (Linux); 0 or absent = unchanged. */
  nice?: number | undefined;
  /**
   * Linux's SCHED_IDLE policy for the worker and its runtime's threads: they run only when no normal
   * thread wants the CPU, and a waking normal thread preempts them at once (a stronger yield than nice).
   */
  idle?: boolean;
}
