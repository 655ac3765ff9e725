import * as tf from '../runtimes/tfjs/tf.ts';
import { GatewayError } from '../core/errors.ts';
import { reuseBaseLayers } from './reuse.ts';
import { seededRandom } from '../core/random.ts';
import type { TrainData, TrainOptions } from './types.ts';

/** A seed for a TF.js initializer or dropout mask: a positive integer (TF.js treats 0 as "no seed"). */
export function nextSeed(rand: () => number): number {
  return 1 + Math.floor(rand() * 0x7ffffffe);
}

/**
 * Builds the trainable head, a `tf.Sequential` whose input is one example's features (`featureShape`):
 *
 * - with `unfreeze: N` (and `data.base`), the base layers model's layers after the feature layer, its
 *   output layer excluded, with their weights (see `reuseBaseLayers`: the last N with weights trainable);
 * - then, while the output is still a map: GlobalAveragePooling2D for H×W×C (a rank-4 D×H×W×C map is
 *   first reshaped to (D·H)×W×C), Flatten for rank 2;
 * - optionally Dense(hidden, relu), then Dropout(dropout) if > 0;
 * - Dense(classes, softmax), or with `data.base.output` the base's own output layer with its weights.
 *
 * New layers are named `head_*` and their weights are initialised from `rand` (the run's seed).
 *
 * @example
 * const model = await buildHead({ featureShape: [1280], classes: ['a', 'b'] }, { hidden: 0, dropout: 0.2, unfreeze: 0
 * }, seededRandom(1));
 */
export async function buildHead(
  data: Pick<TrainData, 'featureShape' | 'classes' | 'base'>,
  options: Pick<TrainOptions, 'hidden' | 'dropout' | 'unfreeze'>,
  rand: () => number = seededRandom(0),
): Promise<tf.Sequential> {
  if (options.unfreeze > 0 && !data.base)
    throw new GatewayError(
      'NOT_TRAINABLE',
      `unfreeze ${options.unfreeze} needs the base model's layers, and this model offers none (only TensorFlow.js layers models can be unfrozen)`,
    );
  if (data.base?.output && (options.hidden > 0 || options.unfreeze < 1))
    throw new GatewayError('NOT_TRAINABLE', `the base's output layer is reused only with unfreeze ≥ 1 and hidden 0`);
  const reused =
    options.unfreeze > 0
      ? await reuseBaseLayers(data.base!, options.unfreeze, data.featureShape, data.classes.length)
      : [];
  // The base's own output layer, when reused, comes last, after the head's dropout.
  const output = data.base?.output ? reused.pop() : undefined;
  const model = tf.sequential({ name: 'head' });
  try {
    model.add(tf.layers.inputLayer({ inputShape: data.featureShape, name: 'head_features' }));
    for (const r of reused) model.add(r.layer);
    const shape = () => (model.outputs[0]!.shape as number[]).slice(1);
    if (shape().length === 4) {
      const [d, h, w, c] = shape() as [number, number, number, number];
      model.add(tf.layers.reshape({ targetShape: [d * h, w, c], name: 'head_reshape' }));
    }
    if (shape().length === 3) model.add(tf.layers.globalAveragePooling2d({ name: 'head_pool' }));
    if (shape().length === 2) model.add(tf.layers.flatten({ name: 'head_flatten' }));
    if (options.hidden > 0) {
      model.add(
        tf.layers.dense({
          units: options.hidden,
          activation: 'relu',
          name: 'head_hidden',
          kernelInitializer: tf.initializers.heNormal({ seed: nextSeed(rand) }),
        }),
      );
    }
    if (options.dropout > 0) model.add(tf.layers.dropout({ rate: options.dropout, name: 'head_dropout' }));
    model.add(
      output?.layer ??
        tf.layers.dense({
          units: data.classes.length,
          activation: 'softmax',
          name: 'head_output',
          kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed(rand) }),
        }),
    );
    for (const r of output ? [...reused, output] : reused) r.layer.setWeights(r.weights);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const r of reused) tf.dispose(r.weights);
    if (output) tf.dispose(output.weights);
  }
}
