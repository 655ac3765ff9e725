import type { GatewayError } from '../../core/errors.ts';
import type { Tensor, TensorInfo } from '../../core/tensor.ts';
import type { LoadedVersion } from '../../model-store/repository.ts';
import type { ModelConfig } from '../../model-store/schema.ts';
import type { SubmitOptions } from '../scheduling/scheduler.ts';
import type { TimeSegment } from '../../plugins/stream.ts';
import type { StreamTarget } from './stream.ts';

/** Class scores per item over a label list: what voting ensembles combine. */
export interface Scores {
  labels: readonly string[];
  scores: number[][];
  /** Per item, the time segments found (a VAD's speech), when the model's plugin tells them. */
  segments?: TimeSegment[][];
  /** An ensemble's members that failed or missed their deadline for some rows (their votes are not in). */
  missing?: readonly string[];
}

/** What a streamed body's client hears before the prediction. */
export interface StreamListener {
  /** The body's header was read and accepted: the answer can start. */
  onStarted?(): void;
  /** Things found so far (a VAD's segments), as JSON values. */
  onEvents?(events: unknown[]): void;
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
  /** The media types it takes as a streamed request body (a VAD: `audio/wav`…); absent or empty: none. */
  readonly streamTypes?: readonly string[];
  /**
   * A request body streamed to it (`parts` as they arrive), analysed a chunk at a time with flat memory:
   * events as they are found, the prediction (as `predict` gives it for one instance) at the end.
   */
  predictStream?(
    parts: AsyncIterable<Uint8Array>,
    parameters: Record<string, unknown>,
    options?: SubmitOptions,
    listener?: StreamListener,
  ): Promise<unknown>;
  /** Its side of a streamed body read by several models (an ensemble's members); call `release` when done. */
  openStream?(parameters: Record<string, unknown>, options?: SubmitOptions): StreamTarget & { release(): void };
  /** Extra metadata (`parameters` of the OIP model metadata). */
  describe(): Record<string, unknown>;
}
