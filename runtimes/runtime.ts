import type { Context } from '@opentelemetry/api';
import type { Tensor, TensorInfo } from '../core/tensor.ts';

/** How a session is asked to run. */
export interface SessionRunOptions {
  /** The caller will not touch the feeds' buffers again: a session in another thread may take them over. */
  transferInputs?: boolean;
  /**
   * OpenTelemetry: the context the run is traced in (the gateway's batch span, or the request's for an unbatched
   * model). A session that traces its runs makes their spans children of its span when that span is recording.
   */
  trace?: Context | undefined;
}

/**
 * What a runtime needs to load one model version. `path` is the model file (ONNX) or the folder /
 * model.json (TensorFlow.js); `format` tells loaders apart where the path alone cannot.
 */
export interface LoadSpec {
  path: string;
  format?: string;
  /** Execution providers or backends in order of preference, e.g. ['webgpu', 'cpu']. */
  providers?: string[] | undefined;
  /** Runtime-specific options (threads, graph optimisation…). */
  options?: Record<string, unknown>;
  /**
   * A trained head served after the model (a fine-tuned version): the worker wraps the loaded session
   * with it (runtimes/head), so the session's one output is the head's `probabilities`.
   */
  head?: HeadSpec;
}

/** A head: its TensorFlow.js layers model.json (real path) and the base model output it reads. */
export interface HeadSpec {
  path: string;
  feature: string;
}

/** One loaded model: the contract every runtime adapter implements. */
export interface RuntimeSession {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** The execution provider or backend actually in use (after fallback). */
  readonly provider: string;
  /** Class labels the model file itself carries (fastText, CLD3…), when it does. */
  readonly labels?: readonly string[] | undefined;
  /**
   * Runs the model. `outputNames` restricts what is computed and returned (all when omitted).
   * `options.transferInputs` says the caller will not touch the feeds' buffers again, so a session in
   * another thread may take them over instead of copying them; `options.trace` is the run's trace context.
   */
  run(
    feeds: Record<string, Tensor>,
    outputNames?: readonly string[],
    options?: SessionRunOptions,
  ): Promise<Record<string, Tensor>>;
  /**
   * Runs the plugin's worker step (runtimes/worker/step.ts) on `feeds` where the session lives, in one
   * call however often the step runs the model. Only sessions loaded in a worker with a step have it.
   * Aborting `options.signal` gives the run up: the step's next model call throws CANCELLED.
   */
  runStep?:
    | ((
        feeds: Record<string, Tensor>,
        options?: SessionRunOptions & { signal?: AbortSignal },
      ) => Promise<Record<string, Tensor>>)
    | undefined;
  /** Frees the model. Calling it twice is harmless. */
  dispose(): Promise<void>;
}

/** A runtime adapter: onnxruntime-node, TensorFlow.js, fastText… */
export interface Runtime {
  readonly name: string;
  load(spec: LoadSpec): Promise<RuntimeSession>;
}
