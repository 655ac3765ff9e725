import type { z } from 'zod';
import type { Tensor, TensorInfo } from '../core/tensor.ts';
import type { WorkerStep } from '../runtimes/worker/step.ts';
import type { StreamCapability, TimeSegment } from './stream.ts';

export { defineWorkerStep, type StepContext, type WorkerStep } from '../runtimes/worker/step.ts';
export type { StreamCapability, StreamSession, TimeSegment } from './stream.ts';

/** What a plugin sees of the model it serves. */
export interface PluginContext<P = Record<string, unknown>> {
  /** Model name in the store. */
  modelName: string;
  /** Plugin parameters from the model's config, parsed by the plugin's `params` schema. */
  params: P;
  /** Class labels, when the model config names them. */
  labels?: readonly string[] | undefined;
  /** The runtime model's own inputs and outputs. */
  inputs: readonly TensorInfo[];
  outputs: readonly TensorInfo[];
  /**
   * Runs the model through the gateway's scheduler (batcher, instances). `predict` overrides use it
   * to run a model several times per request (stateful audio models, cascades of sub-steps).
   */
  run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>>;
  /**
   * Runs the plugin's worker `step` on its inputs through the scheduler: one scheduled request and one
   * round trip to an instance's thread, where the step runs the model as often as it needs. Present
   * when the plugin declares a step; the default `predict` of such a plugin.
   */
  runStep?(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  /**
   * Another model of the store, for pipelines (an OCR detector handing crops to a recogniser):
   * runs through that model's own scheduler, so its requests batch with everyone else's.
   * Throws MODEL_NOT_FOUND / MODEL_NOT_READY like a request would.
   */
  model(name: string, version?: string): CompanionModel;
}

/** A model of the store as a plugin sees it through `ctx.model()`. */
export interface CompanionModel {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly labels?: readonly string[] | undefined;
  /** The plugin that serves it, if any (a pipeline checks that its companion is the kind it expects). */
  readonly plugin?: string | undefined;
  run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>>;
  /** Its plugin's worker step, through its scheduler (present when its plugin declares a step). */
  runStep?(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
}

/**
 * How a plugin's modality can be fine-tuned (gateway/finetune): the served model becomes a frozen
 * feature extractor and a new head is trained on its features. A plugin without it refuses fine-tuning
 * (NOT_TRAINABLE). Examples reach the plugin as JSON instances (`parseInstance`) or as files (`fromFile`).
 */
export interface FinetuneCapability<Item, P = Record<string, unknown>> {
  /** Augmentations the plugin implements, by name (shown in errors and docs), e.g. ['flip', 'crop', 'colour']. */
  augmentations: readonly string[];
  /** One uploaded or server-side file → an item (an image's bytes, a text…). */
  fromFile(bytes: Uint8Array, ctx: PluginContext<P>): Item;
  /**
   * One JSON example → an item, where training reads an example differently from a request (a face
   * classifier trains on face crops as given, where a request is searched for faces). Default: `parseInstance`.
   */
  fromInstance?(instance: unknown, ctx: PluginContext<P>): Item;
  /**
   * Checks that an example can be used (decodes it) before a job is accepted; throws a GatewayError naming the problem.
   */
  check(item: Item, ctx: PluginContext<P>): Promise<void>;
  /**
   * A changed copy of a training item (random flip, crop, colour jitter…), deterministic for a given
   * `random`; `strength` in (0, 1] scales how far it may change. Only names from `augmentations` are passed.
   */
  augment?(
    item: Item,
    names: readonly string[],
    strength: number,
    random: () => number,
    ctx: PluginContext<P>,
  ): Promise<Item>;
}

/**
 * A model plugin turns requests into tensors and tensors back into JSON, after KServe's
 * load / preprocess / predict / postprocess: each step but `preprocess` and `postprocess` is optional.
 * `Item` is one decoded request instance (an image's bytes, a text, a waveform).
 */
export interface ModelPlugin<Item = unknown, P = Record<string, unknown>> {
  /** Unique name; shows up in logs, errors and model metadata. */
  name: string;
  modality: 'image' | 'text' | 'audio' | 'tensor';
  /**
   * The Massgate versions this plugin works with, an npm semver range (`'^0.1.0'`, `'>=0.1 <1'`); a
   * gateway outside it refuses the plugin at start-up. A module may instead export `massgate` for all it exports.
   */
  massgate?: string;
  description?: string;
  /** Runtime used when the model's config names none ('onnx', 'tfjs', …). */
  runtime?: string;
  /** Schema of `params` in the model config; validated at start-up. */
  params?: z.ZodType<P>;
  /** Inputs the plugin accepts over Open Inference Protocol v2 (one element per instance). */
  inputs: TensorInfo[];
  /** Outputs a v2 response carries when `predict` returns other tensors than the model's own (default: the step's). */
  outputs?: TensorInfo[];
  /** A sample friendly-API instance for the docs and model metadata. */
  example?: unknown;
  /** Checks the plugin against the loaded model at start-up (label count vs output width…); throws to refuse. */
  validate?(ctx: Omit<PluginContext<P>, 'run' | 'runStep' | 'model'>): void;
  /** One friendly-API instance → item. Throws GatewayError('INVALID_INPUT' …) for bad input. */
  parseInstance(instance: unknown, ctx: PluginContext<P>): Item | Promise<Item>;
  /** Open Inference Protocol v2 inputs → items (one per element of the batch). */
  fromTensors(inputs: Record<string, Tensor>, ctx: PluginContext<P>): Item[] | Promise<Item[]>;
  /**
   * Items → model feeds whose first dimension is the item count; with a `step`, the step's inputs
   * instead (cheap to build: the bytes as sent, a resized image — the heavy work is the step's).
   */
  preprocess(items: Item[], ctx: PluginContext<P>): Promise<Record<string, Tensor>>;
  /**
   * Work that grows with the input, done in the model's worker thread rather than on the HTTP thread:
   * decoding, resampling, a per-frame model loop, a box search, CTC decoding (runtimes/worker/step.ts).
   * Its `outputs` are the plugin's v2 outputs unless `outputs` says otherwise. A plugin with a step
   * cannot be fine-tuned (a head is trained on the model's own outputs).
   */
  step?: WorkerStep<P>;
  /** Defaults to `ctx.runStep(feeds)` with a `step`, else `ctx.run(feeds)`. */
  predict?(feeds: Record<string, Tensor>, ctx: PluginContext<P>, items: Item[]): Promise<Record<string, Tensor>>;
  /**
   * Model outputs → class scores per item over `labels`, for voting ensembles. Optional: without it the
   * gateway takes the model's first output of width `ctx.labels.length` as the scores.
   */
  scores?(
    outputs: Record<string, Tensor>,
    ctx: PluginContext<P>,
    items: Item[],
  ): { labels: readonly string[]; scores: number[][] };
  /**
   * Model outputs → the time segments of each item (a VAD's speech), for ensembles that merge their
   * members' segments. Optional.
   */
  segments?(outputs: Record<string, Tensor>, ctx: PluginContext<P>, items: Item[]): TimeSegment[][];
  /**
   * Takes a request body as a stream (`Content-Type` one of its `contentTypes`), a chunk at a time
   * through its worker `step` (plugins/stream.ts): an hour-long recording with flat memory. Needs a `step`.
   */
  stream?: StreamCapability<P>;
  /** Whether and how models served by this plugin can be fine-tuned; absent: they cannot. */
  finetune?: FinetuneCapability<Item, P>;
  /** Model outputs → one JSON value per item. `options` carries request parameters such as `top_k`. */
  postprocess(
    outputs: Record<string, Tensor>,
    ctx: PluginContext<P>,
    items: Item[],
    options: Record<string, unknown>,
  ): unknown[];
}

/**
 * Identity helper that types a plugin. The registry validates it when the gateway starts.
 *
 * @example
 * export default definePlugin({ name: 'echo', modality: 'tensor', inputs: [...], parseInstance, fromTensors,
 * preprocess, postprocess });
 */
export function definePlugin<Item, P = Record<string, unknown>>(plugin: ModelPlugin<Item, P>): ModelPlugin<Item, P> {
  return plugin;
}
