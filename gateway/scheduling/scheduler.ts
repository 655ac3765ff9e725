import type { Context } from '@opentelemetry/api';
import type { GatewayError } from '../../core/errors.ts';
import type { Tensor } from '../../core/tensor.ts';

/** Per-request scheduling options. */
export interface SubmitOptions {
  /** Outputs the caller wants (all when absent). */
  outputs?: readonly string[] | undefined;
  /** Deadline for this request in ms; capped by the model's configured default. */
  timeoutMs?: number | undefined;
  /** Aborted when the client goes away: a queued request is then dropped. */
  signal?: AbortSignal | undefined;
  /** Priority level, 1 = highest. */
  priority?: number | undefined;
  /**
   * Run the model's worker step (the plugin's `step`, in the instance's thread) instead of the model:
   * the feeds are the step's inputs, the answer its outputs (`outputs` does not apply). Step requests
   * batch only with step requests.
   */
  step?: boolean | undefined;
  /**
   * Tracing on: the context the request is submitted in (its server span's, or a cache look-up's, an ensemble
   * member's…), the parent of its `massgate.queue` spans. None, or one whose span is not sampled: no span.
   */
  trace?: Context | undefined;
  /**
   * Who sent the request (an opaque identity, e.g. its connection): a client that comes back on it after its
   * answers is expected again, and the adaptive queue delay holds a partial batch for it (adaptive.ts).
   */
  client?: object | undefined;
}

/** Scheduler statistics for metrics and health. */
export interface SchedulerStats {
  /** Queue places taken (a request larger than maxBatchSize takes one per chunk). */
  queued: number;
  running: number;
  instances: number;
  /** Instances whose worker is alive (the others are restarting). */
  live: number;
}

/**
 * Puts requests (model feeds whose first dimension is the batch) onto a model version's instances.
 * Implementations: the dynamic batcher (gateway/batching) and, with batching off, one request per run.
 * Every accepted request is answered, with its own rows, or rejected with a GatewayError
 * (QUEUE_FULL, TIMEOUT, CANCELLED, INFERENCE_FAILED, UNAVAILABLE when no instance is live).
 */
export interface Scheduler {
  submit(feeds: Record<string, Tensor>, options?: SubmitOptions): Promise<Record<string, Tensor>>;
  stats(): SchedulerStats;
  /**
   * The error a one-row request would get right now without being queued (queue full, no live
   * instance, unloading): the HTTP layer refuses with it before reading the request body.
   */
  refusal(): GatewayError | undefined;
  /** Stops accepting, lets queued and running work finish. */
  drain(): Promise<void>;
}
