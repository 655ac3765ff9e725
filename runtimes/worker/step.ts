import type { Tensor, TensorInfo } from '../../core/tensor.ts';

/** What a worker step sees: its plugin's parsed params and labels, and the model session of its own thread. */
export interface StepContext<P = Record<string, unknown>> {
  params: P;
  labels?: readonly string[] | undefined;
  /** The model's own inputs and outputs. */
  inputs: readonly TensorInfo[];
  outputs: readonly TensorInfo[];
  /**
   * Runs the model in this thread, directly: no scheduler, no message to another thread. Throws
   * CANCELLED once `signal` is aborted, so a step that calls the model in a loop stops by itself.
   */
  run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>>;
  /** Aborted when every request of the batch has been given up (its deadline passed, its client left). */
  signal: AbortSignal;
}

/**
 * Work that grows with the input (decoding, resampling, a per-frame model loop, a box search, CTC
 * decoding) done in the model's worker thread instead of the HTTP thread: the worker imports `module`,
 * takes its export `export`, and runs it on a batch of `inputs` tensors, calling the model as often as
 * it needs without leaving the thread. One scheduled request, one round trip, whatever the input's size.
 * A plugin declares one as its `step` (plugins/plugin.ts).
 *
 * The module is imported by every worker thread of the model: keep it free of HTTP-side imports
 * (sharp, the gateway) and of side effects.
 *
 * @example
 * export const doubleStep = defineWorkerStep({
 *   module: import.meta.url,
 *   export: 'doubleStep',
 *   inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
 *   outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
 *   async run(feeds, ctx) {
 *     const once = await ctx.run({ input: feeds.x! });
 *     const twice = await ctx.run({ input: { ...once.output!, name: 'input' } });
 *     return { y: { ...twice.output!, name: 'y' } };
 *   },
 * });
 */
export interface WorkerStep<P = Record<string, unknown>> {
  /** The URL of the module that exports the step: `import.meta.url` in the file that defines it. */
  module: string;
  /** The name the module exports it under. */
  export: string;
  /** The tensors the step takes (what the plugin's `preprocess` returns); dimension 0 is the item. */
  inputs: TensorInfo[];
  /** The tensors it returns, one row per item on dimension 0. */
  outputs: TensorInfo[];
  /** Runs in the worker thread. Throw GatewayError codes for bad input (they reach the client as such). */
  run(feeds: Record<string, Tensor>, ctx: StepContext<P>): Promise<Record<string, Tensor>>;
}

/**
 * Identity helper that types a worker step.
 *
 * @example export const myStep = defineWorkerStep({ module: import.meta.url, export: 'myStep', inputs, outputs, run });
 */
export function defineWorkerStep<P = Record<string, unknown>>(step: WorkerStep<P>): WorkerStep<P> {
  return step;
}

/** How a worker thread finds and binds its model's step (sent in WorkerData: plain data only). */
export interface StepSpec {
  module: string;
  export: string;
  /** The plugin's params, parsed on the main thread. */
  params: unknown;
  /** The model's labels from its config, when it has any (else the session's own). */
  labels?: readonly string[];
}

/** The step a spec names, imported in this thread; throws naming the module when it is not one. */
export async function importStep(spec: StepSpec): Promise<WorkerStep> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const step = mod[spec.export] as Partial<WorkerStep> | undefined;
  if (typeof step !== 'object' || step === null || typeof step.run !== 'function') {
    throw new Error(`worker step '${spec.export}' is not exported by ${spec.module} (or has no run())`);
  }
  return step as WorkerStep;
}
