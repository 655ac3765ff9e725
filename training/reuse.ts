import * as tf from '../runtimes/tfjs/tf.ts';
import { GatewayError } from '../core/errors.ts';
import { readArtifacts } from '../runtimes/tfjs/files.ts';
import type { TrainData } from './types.ts';

/** A base layer rebuilt for the head: a fresh layer with the base's config, and a copy of its weights. */
interface ReusedLayer {
  layer: tf.layers.Layer;
  weights: tf.Tensor[];
}

const notTrainable = (message: string) => new GatewayError('NOT_TRAINABLE', message);

/** A fresh layer of the same class and config as `layer` (registered TF.js layer classes only). */
function cloneLayer(layer: tf.layers.Layer, trainable: boolean): tf.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  if (!entry)
    throw notTrainable(
      `layer '${layer.name}' of the base model has class ${layer.getClassName()}, which TensorFlow.js cannot rebuild`,
    );
  const [cls, fromConfig] = entry;
  return fromConfig(cls, { ...layer.getConfig(), trainable }) as tf.layers.Layer;
}

/**
 * The base layers model's layers between the `feature` layer and its final (classification) layer,
 * rebuilt with their weights: the last `unfreeze` of them that have weights are trainable, and the
 * layers before those (e.g. a Dense that sits between the feature layer and the unfrozen ones) are
 * copied frozen, so that the head still takes the feature layer's output. With `base.output`, the base's
 * final layer is rebuilt too (trainable, with its weights; it must give `classes` values). Only a plain chain of
 * single-input layers can be reused. Throws NOT_TRAINABLE when the base is not a layers model, lacks
 * the feature layer, its output is not `featureShape`, or fewer than `unfreeze` layers with weights follow it.
 *
 * @example
 * const reused = await reuseBaseLayers({ path, format: 'tfjs-minjs', feature: 'flatten_1' }, 2, [1280]);
 * reused.map((r) => r.layer.name); // ['dense_1', 'dropout_2', 'dense_2', 'dropout_3']
 */
export async function reuseBaseLayers(
  base: NonNullable<TrainData['base']>,
  unfreeze: number,
  featureShape: readonly number[],
  classes = 0,
): Promise<ReusedLayer[]> {
  const { artifacts, kind } = readArtifacts(base.path, base.format);
  if (kind !== 'layers')
    throw notTrainable(`the base model is a TensorFlow.js graph model: only a layers model's layers can be unfrozen`);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw notTrainable(`the base model cannot be loaded as a TensorFlow.js layers model: ${(e as Error).message}`);
  }
  try {
    const at = model.layers.findIndex((l) => l.name === base.feature);
    if (at < 0) throw notTrainable(`the base model has no layer '${base.feature}'`);
    const shape = (model.layers[at]!.outputShape as (number | null)[]).slice(1);
    if (shape.join() !== featureShape.join())
      throw notTrainable(
        `layer '${base.feature}' outputs [${shape.join(', ')}], but the features have shape [${featureShape.join(', ')}]`,
      );
    const chain = model.layers.slice(at + 1, -1);
    let previous = model.layers[at]!;
    for (const layer of [...chain, model.layers.at(-1)!]) {
      const nodes = layer.inboundNodes;
      if (nodes.length !== 1 || nodes[0]!.inboundLayers.length !== 1 || nodes[0]!.inboundLayers[0] !== previous) {
        throw notTrainable(
          `the base model's layers after '${base.feature}' are not a simple chain (at '${layer.name}')`,
        );
      }
      previous = layer;
    }
    const withWeights = chain.filter((l) => l.weights.length > 0);
    if (unfreeze > withWeights.length) {
      throw notTrainable(
        `unfreeze ${unfreeze} asks for more layers than the ${withWeights.length} with weights between '${base.feature}' and the base model's output layer`,
      );
    }
    const firstTrainable = withWeights[withWeights.length - unfreeze]!;
    let trainable = false;
    const reused = chain.map((layer) => {
      trainable ||= layer === firstTrainable;
      return { layer: cloneLayer(layer, trainable), weights: layer.getWeights().map((w) => w.clone()) };
    });
    if (base.output) {
      const last = model.layers.at(-1)!;
      if ((last.outputShape as (number | null)[]).at(-1) !== classes)
        throw notTrainable(`the base model's output layer '${last.name}' does not give ${classes} classes`);
      reused.push({ layer: cloneLayer(last, true), weights: last.getWeights().map((w) => w.clone()) });
    }
    return reused;
  } finally {
    model.dispose();
  }
}
