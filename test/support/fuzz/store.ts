import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel } from '../../../runtimes/onnx/writer/build.ts';
import { scaleSumModel, tempStore, writeModel } from '../tiny-models.ts';

/** Real plugin models the fuzz store copies from the default store (models/), by modality. */
export const REAL_MODELS = { text: 'lang-lande', image: 'nsfw-mobilenet-v2', audio: 'vad-silero-v5' } as const;

/** A model with one FP32 input of shape [-1,-1] passed through (issue 11, defect 7). */
export function dynamicIdentity(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', type: 'float32', shape: ['batch', 'width'] }],
    outputs: [{ name: 'y', type: 'float32', shape: ['batch', 'width'] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
  });
}

/**
 * The fuzz store: `scale` (y = 2x, s = Σx, ids passthrough; cached, so cache keys are built), `dyn`
 * ([-1,-1] identity), and copies of the real text, image and audio models.
 */
export function fuzzStore(): string {
  const store = tempStore();
  writeModel(store, 'scale', 1, scaleSumModel(2), {
    cache: { ttlSeconds: 60 },
    batching: { maxBatchSize: 8, maxQueueDelayMs: 1 },
  });
  writeModel(store, 'dyn', 1, dynamicIdentity());
  for (const name of Object.values(REAL_MODELS)) {
    mkdirSync(join(store, name), { recursive: true });
    cpSync(fileURLToPath(new URL(`../../../models/${name}`, import.meta.url)), join(store, name), { recursive: true });
  }
  return store;
}
