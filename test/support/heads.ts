import * as tf from '../../runtimes/tfjs/tf.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../runtimes/tfjs/backend.ts';
import type { TrainResult } from '../../training/types.ts';

/**
 * A tiny trained-head stand-in: a TensorFlow.js layers model taking features of `inputShape` (no batch
 * dimension; flattened first when it has several axes) to softmax probabilities over `classes`.
 * Weights are random unless `kernel` (inputs × classes, row-major) is given; the bias is zero.
 */
export async function denseHead(inputShape: number[], classes: number, kernel?: Float32Array): Promise<tf.Sequential> {
  await initBackend();
  const model = tf.sequential();
  if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape }));
  const size = inputShape.reduce((a, b) => a * b, 1);
  model.add(
    tf.layers.dense({ units: classes, activation: 'softmax', ...(inputShape.length > 1 ? {} : { inputShape }) }),
  );
  if (kernel) model.layers.at(-1)!.setWeights([tf.tensor2d(kernel, [size, classes]), tf.zeros([classes])]);
  return model;
}

/**
 * Saves a layers model as `dir/model.json` + `dir/weights.bin` (weightsManifest paths ['weights.bin']); returns the
 * model.json path.
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const parts = Array.isArray(a.weightData) ? a.weightData : [a.weightData!];
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          generatedBy: a.generatedBy,
          convertedBy: a.convertedBy ?? null,
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
        }),
      );
      writeFileSync(join(dir, 'weights.bin'), Buffer.concat(parts.map((p) => new Uint8Array(p))));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}

/** The head a training run returned (`modelJson` + `weights`), loaded as a TensorFlow.js layers model. */
export async function loadTrainedHead(result: Pick<TrainResult, 'modelJson' | 'weights'>): Promise<tf.LayersModel> {
  const { weightsManifest, ...json } = result.modelJson as {
    weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }>;
  };
  return tf.loadLayersModel(
    tf.io.fromMemory({ ...json, weightSpecs: weightsManifest[0]!.weights, weightData: result.weights.slice().buffer }),
  );
}
