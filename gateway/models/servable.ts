import type { GatewayError } from '../../core/errors.ts';
import type { Tensor, TensorInfo } from '../../core/tensor.ts';
import type { LoadedVersion } from '../../model-store/repository.ts';
import type { ModelConfig } from '../../model-store/schema.ts';
import type { SubmitOptions } from '../scheduling/scheduler.ts';

/** Class scores per item over a label list: what voting ensembles combine. */
export interface Scores {
  labels: readonly string[];
  scores: number[][];
  /** An ensemble's members that failed or missed their deadline for some rows (their votes are not in). */
  missing?: readonly string[];
}

/**
 * What the HTTP layer serves: a single model version (ServedModel) or an ensemble (EnsembleModel).
 */
export interface Servable extends LoadedVersion {
  readonly name: string;
  readonly version: number;
  /** OIP metadata `platform`. */
  readonly platform: string;
  readonly config: ModelConfig;
  /** What a client sends over v2 and gets back. */
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly labels?: readonly string[] | undefined;
  /** OIP v2 request tensors → output tensors. */
  infer(inputs: Record<string, Tensor>, options?: SubmitOptions): Promise<Record<string, Tensor>>;
  /** Friendly API: instances → one JSON prediction each. */
  predict(
    instances: readonly unknown[],
    parameters: Record<string, unknown>,
    options?: SubmitOptions,
  ): Promise<unknown[]>;
  /** Class scores for instances (friendly API) or tensors (v2), for ensembles and evaluation. */
  scoreInstances(instances: readonly unknown[], options?: SubmitOptions): Promise<Scores>;
  scoreTensors(inputs: Record<string, Tensor>, options?: SubmitOptions): Promise<Scores>;
  /**
   * The error a new request would get at once (queue full, no live instance), so that it can be
   * refused before its body is read; absent where that cannot be known up front (ensembles).
   */
  refusal?(): GatewayError | undefined;
  /** Extra metadata (`parameters` of the OIP model metadata). */
  describe(): Record<string, unknown>;
}
