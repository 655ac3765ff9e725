import * as tf from '../runtimes/tfjs/tf.ts';

/**
 * Serialises a layers model to a standard `model.json` (weights in one file, `weights.bin`) and the
 * bytes of that file, in memory.
 *
 * @example
 * const { modelJson, weights } = await saveModel(model);
 * writeFileSync('model.json', JSON.stringify(modelJson)); writeFileSync('weights.bin', weights);
 */
export async function saveModel(
  model: tf.LayersModel,
): Promise<{ modelJson: Record<string, unknown>; weights: Uint8Array }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  const a = saved!;
  const data = a.weightData;
  const buffer =
    data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  const modelJson: Record<string, unknown> = {
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
  };
  if (a.trainingConfig) modelJson.trainingConfig = a.trainingConfig;
  return { modelJson, weights: new Uint8Array(buffer) };
}
