import * as tf from '../tfjs/tf.ts';
import { GatewayError } from '../../core/errors.ts';
import { floats, shapeText, type Tensor, type TensorInfo } from '../../core/tensor.ts';
import { warmUpFeeds } from '../../core/warm-up-feeds.ts';
import type { HeadSpec, RuntimeSession, SessionRunOptions } from '../runtime.ts';
import { initBackend } from '../tfjs/backend.ts';
import { readArtifacts } from '../tfjs/files.ts';

/** The one declared output of a session with a head: the head's class probabilities. */
export const HEAD_OUTPUT = 'probabilities';

/** `declared` ([-1, 1280], -1 for any size) against an actual shape. */
const fits = (declared: readonly number[], actual: readonly number[]) =>
  declared.length === actual.length && declared.every((d, i) => i === 0 || d < 0 || d === actual[i]);

/**
 * A base session followed by a trained head: the base's `feature` output goes through the head, whose
 * output is `probabilities`. Any other name (the feature itself, another internal or declared output
 * of the base) is answered by the base, so features can still be taken from a fine-tuned version.
 */
class HeadSession implements RuntimeSession {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  readonly provider: string;
  private disposed = false;

  constructor(
    private readonly base: RuntimeSession,
    private readonly head: tf.LayersModel,
    private readonly feature: string,
    private readonly inputShape: number[],
    classes: number,
  ) {
    this.inputs = base.inputs;
    this.outputs = [{ name: HEAD_OUTPUT, datatype: 'FP32', shape: [-1, classes] }];
    this.provider = base.provider;
  }

  async run(
    feeds: Record<string, Tensor>,
    outputNames?: readonly string[],
    options?: SessionRunOptions,
  ): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new GatewayError('MODEL_NOT_READY', 'the session was disposed');
    const wanted = outputNames?.length ? [...new Set(outputNames)] : [HEAD_OUTPUT];
    const viaHead = wanted.includes(HEAD_OUTPUT);
    const fromBase = wanted.filter((n) => n !== HEAD_OUTPUT);
    const out = await this.base.run(
      feeds,
      viaHead && !fromBase.includes(this.feature) ? [...fromBase, this.feature] : fromBase,
      options,
    );
    const probabilities = viaHead ? await this.classify(out[this.feature]!) : undefined;
    return Object.fromEntries(wanted.map((n) => [n, n === HEAD_OUTPUT ? probabilities! : out[n]!]));
  }

  /** The head on one batch of features. */
  private async classify(feature: Tensor): Promise<Tensor> {
    if (!fits(this.inputShape, feature.shape)) {
      throw new GatewayError(
        'INFERENCE_FAILED',
        `the head takes ${shapeText(this.inputShape)} but feature '${this.feature}' is ${shapeText(feature.shape)}`,
      );
    }
    const x = tf.tensor(floats(feature), [...feature.shape], 'float32');
    let y: tf.Tensor | undefined;
    try {
      y = this.head.predict(x) as tf.Tensor;
      const values = await y.data<'float32'>();
      return { name: HEAD_OUTPUT, datatype: 'FP32', shape: [...y.shape], data: values };
    } catch (e) {
      throw new GatewayError('INFERENCE_FAILED', `the head: ${(e as Error).message}`, { cause: e });
    } finally {
      x.dispose();
      y?.dispose();
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.head.dispose();
    await this.base.dispose();
  }
}

function loadFailed(head: HeadSpec, message: string, cause?: unknown): GatewayError {
  return new GatewayError('MODEL_LOAD_FAILED', `head ${head.path}: ${message}`, { cause });
}

/**
 * Wraps a loaded session with a trained head: a TensorFlow.js layers model (`head.path`, its
 * model.json) taking the base's `head.feature` output. The wrapped session has the base's inputs and
 * one output, `probabilities` [-1, classes]; `run` also answers the base's own outputs by name. The
 * head runs on this thread's TensorFlow.js backend (the base's when it is a TensorFlow.js model).
 * Where the base's inputs allow a warm-up, the feature's shape is checked against the head's input at
 * load: a mismatch, an unknown feature or a head that is not a one-input, one-output layers model is
 * MODEL_LOAD_FAILED. On failure the base is left to the caller.
 *
 * @example
 * const session = await withHead(await tfjsRuntime.load(spec), { path: '/store/m/2/head/model.json', feature:
 * 'flatten_1' });
 * const { probabilities } = await session.run({ input_1: image }); // [N, classes]
 */
export async function withHead(base: RuntimeSession, head: HeadSpec): Promise<RuntimeSession> {
  await initBackend();
  const { artifacts, kind } = readArtifacts(head.path);
  if (kind !== 'layers') throw loadFailed(head, 'a head is a TensorFlow.js layers model (this is a graph model)');
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw loadFailed(head, `TensorFlow.js could not load it: ${(e as Error).message}`, e);
  }
  try {
    if (model.inputs.length !== 1 || model.outputs.length !== 1)
      throw loadFailed(
        head,
        `a head has one input and one output (it has ${model.inputs.length} and ${model.outputs.length})`,
      );
    const inputShape = model.inputs[0]!.shape.map((d) => d ?? -1);
    const outShape = model.outputs[0]!.shape;
    const classes = outShape[1];
    if (outShape.length !== 2 || typeof classes !== 'number' || classes < 1)
      throw loadFailed(head, `a head's output is [batch, classes] (it is [${outShape.map((d) => d ?? -1).join(',')}])`);
    const feeds = warmUpFeeds(base.inputs);
    if (feeds) {
      let feature: Tensor | undefined;
      try {
        feature = (await base.run(feeds, [head.feature]))[head.feature];
      } catch (e) {
        throw loadFailed(
          head,
          `the base model has no usable feature output '${head.feature}': ${(e as Error).message}`,
          e,
        );
      }
      if (!feature || !fits(inputShape, feature.shape)) {
        throw loadFailed(
          head,
          `its input shape ${shapeText(inputShape)} does not match the shape of feature '${head.feature}', ${shapeText([-1, ...(feature?.shape.slice(1) ?? [])])}`,
        );
      }
    }
    return new HeadSession(base, model, head.feature, inputShape, classes);
  } catch (e) {
    model.dispose();
    throw e;
  }
}
