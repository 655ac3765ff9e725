import * as tf from '../tfjs/tf.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Tensor } from '../../core/tensor.ts';
import { packageDir } from '../../core/package-dir.ts';
import { denseHead, saveLayersModel } from '../../test/support/heads.ts';
import { tempStore } from '../../test/support/tiny-models.ts';
import type { RuntimeSession } from '../runtime.ts';
import { tfjsRuntime } from '../tfjs/index.ts';
import { withHead } from './index.ts';

const nsfw = { path: `${packageDir('nsfwjs')}/dist/models/mobilenet_v2`, format: 'tfjs-minjs' };
const image = (b: number): Record<string, Tensor> => ({
  input_1: {
    name: 'input_1',
    datatype: 'FP32',
    shape: [b, 224, 224, 3],
    data: Float32Array.from({ length: b * 224 * 224 * 3 }, (_, i) => ((i * 7919 + b) % 255) / 255),
  },
});

describe('withHead: a trained head after a base session (nsfwjs MobileNetV2 features)', () => {
  const dir = tempStore();
  let head: tf.Sequential;
  let session: RuntimeSession;
  beforeAll(async () => {
    head = await denseHead([1280], 2);
    const path = await saveLayersModel(head, join(dir, 'head'));
    session = await withHead(await tfjsRuntime.load(nsfw), { path, feature: 'flatten_1' });
  });
  afterAll(async () => {
    await session?.dispose();
    head?.dispose();
  });

  it('has the base inputs and one output, probabilities [-1, classes]', () => {
    expect(session.inputs).toEqual([{ name: 'input_1', datatype: 'FP32', shape: [-1, 224, 224, 3] }]);
    expect(session.outputs).toEqual([{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }]);
    expect(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']).toContain(session.provider);
  });

  it('answers the head on the base features; the features and the base outputs pass through by name', async () => {
    const out = await session.run(image(3));
    expect(Object.keys(out)).toEqual(['probabilities']);
    expect(out.probabilities!.shape).toEqual([3, 2]);
    const p = out.probabilities!.data as Float32Array;
    for (let r = 0; r < 3; r++) expect(p[2 * r]! + p[2 * r + 1]!).toBeCloseTo(1, 5);
    const both = await session.run(image(3), ['flatten_1', 'probabilities', 'dense_3']);
    expect(both.flatten_1!.shape).toEqual([3, 1280]);
    expect(both.dense_3!.shape).toEqual([3, 5]);
    // The head's answer is the head model applied to those very features.
    const expected = tf.tidy(() =>
      (head.predict(tf.tensor2d(both.flatten_1!.data as Float32Array, [3, 1280])) as tf.Tensor).dataSync(),
    );
    Array.from(both.probabilities!.data as Float32Array).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
    Array.from(p).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
    await expect(session.run(image(1), ['nope'])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining("'nope'"),
    });
  });

  it('refuses a head whose input does not fit the feature, naming both shapes', async () => {
    const path = await saveLayersModel(await denseHead([1000], 2), join(dir, 'wrong'));
    const base = await tfjsRuntime.load(nsfw);
    try {
      await expect(withHead(base, { path, feature: 'flatten_1' })).rejects.toMatchObject({
        code: 'MODEL_LOAD_FAILED',
        message: expect.stringMatching(
          /input shape \[-1,1000\] does not match the shape of feature 'flatten_1', \[-1,1280\]/,
        ),
      });
      await expect(withHead(base, { path, feature: 'no_layer' })).rejects.toMatchObject({
        code: 'MODEL_LOAD_FAILED',
        message: expect.stringMatching(/no usable feature output 'no_layer'/),
      });
    } finally {
      await base.dispose();
    }
  });

  it('is disposed once, the base with it; a later run is MODEL_NOT_READY', async () => {
    const path = join(dir, 'head', 'model.json');
    const s = await withHead(await tfjsRuntime.load(nsfw), { path, feature: 'flatten_1' });
    await s.dispose();
    await s.dispose();
    await expect(s.run(image(1))).rejects.toMatchObject({ code: 'MODEL_NOT_READY' });
  });
});

describe("withHead on a graph model's node (Human emotion, [8, 8, 256] features)", () => {
  it('flattens and classifies the node output', async () => {
    const dir = tempStore();
    const path = await saveLayersModel(await denseHead([8, 8, 256], 3), join(dir, 'head'));
    const s = await withHead(
      await tfjsRuntime.load({ path: `${packageDir('@vladmandic/human')}/models/emotion.json` }),
      { path, feature: 'StatefulPartitionedCall/model_1/add_2/add' },
    );
    try {
      const x = s.inputs[0]!;
      const out = await s.run({
        [x.name]: {
          name: x.name,
          datatype: 'FP32',
          shape: [2, 64, 64, 1],
          data: new Float32Array(2 * 64 * 64).fill(0.5),
        },
      });
      expect(out.probabilities!.shape).toEqual([2, 3]);
    } finally {
      await s.dispose();
    }
  });
});
