import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../core/tensor.ts';
import { packageDir } from '../../core/package-dir.ts';
import type { RuntimeSession } from '../runtime.ts';
import { tfjsRuntime } from './index.ts';

const image = (b: number, h: number, w: number, c: number, name: string): Record<string, Tensor> => ({
  [name]: {
    name,
    datatype: 'FP32',
    shape: [b, h, w, c],
    data: Float32Array.from({ length: b * h * w * c }, (_, i) => ((i * 7919) % 255) / 255),
  },
});

describe('TensorFlow.js internal outputs: a layers model (nsfwjs MobileNetV2)', () => {
  let s: RuntimeSession;
  beforeAll(async () => {
    s = await tfjsRuntime.load({ path: `${packageDir('nsfwjs')}/dist/models/mobilenet_v2`, format: 'tfjs-minjs' });
  });
  afterAll(() => s?.dispose());

  it('answers a layer by name ([N, 1280] for flatten_1), alone or beside the declared output', async () => {
    const feeds = image(2, 224, 224, 3, 'input_1');
    const alone = await s.run(feeds, ['flatten_1']);
    expect(Object.keys(alone)).toEqual(['flatten_1']);
    expect(alone.flatten_1!.shape).toEqual([2, 1280]);
    expect(alone.flatten_1!.datatype).toBe('FP32');
    const both = await s.run(feeds, ['dense_3', 'flatten_1']);
    expect(both.dense_3!.shape).toEqual([2, 5]);
    expect(Array.from(both.flatten_1!.data as Float32Array)).toEqual(Array.from(alone.flatten_1!.data as Float32Array));
    // The declared output alone, after sub-models were built, still matches the plain model's answer.
    const plain = await s.run(feeds);
    expect(Object.keys(plain)).toEqual(['dense_3']);
    const d = plain.dense_3!.data as Float32Array;
    (both.dense_3!.data as Float32Array).forEach((v, i) => {
      expect(v).toBeCloseTo(d[i]!, 5);
    });
  });

  it('keeps its declared outputs and refuses an unknown name with INVALID_INPUT naming it', async () => {
    expect(s.outputs.map((o) => o.name)).toEqual(['dense_3']);
    await expect(s.run(image(1, 224, 224, 3, 'input_1'), ['no_such_layer'])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining("'no_such_layer'"),
    });
  });
});

describe('TensorFlow.js internal outputs: a graph model (Human emotion)', () => {
  let s: RuntimeSession;
  const node = 'StatefulPartitionedCall/model_1/add_2/add';
  beforeAll(async () => {
    s = await tfjsRuntime.load({ path: `${packageDir('@vladmandic/human')}/models/emotion.json`, format: 'tfjs' });
  });
  afterAll(() => s?.dispose());

  it('answers a node by name, with or without :0 ([N, 8, 8, 256])', async () => {
    const feeds = image(1, 64, 64, 1, s.inputs[0]!.name);
    const out = await s.run(feeds, [node]);
    expect(out[node]!.shape).toEqual([1, 8, 8, 256]);
    const withIndex = await s.run(feeds, [`${node}:0`, s.outputs[0]!.name]);
    expect(withIndex[`${node}:0`]!.shape).toEqual([1, 8, 8, 256]);
    expect(withIndex[s.outputs[0]!.name]!.shape).toEqual([1, 7]);
    expect(Array.from(withIndex[`${node}:0`]!.data as Float32Array)).toEqual(
      Array.from(out[node]!.data as Float32Array),
    );
  });

  it('refuses an unknown node with INVALID_INPUT naming it; the declared outputs stay', async () => {
    expect(s.outputs).toHaveLength(1);
    await expect(s.run(image(1, 64, 64, 1, s.inputs[0]!.name), ['StatefulPartitionedCall/nope'])).rejects.toMatchObject(
      {
        code: 'INVALID_INPUT',
        message: expect.stringContaining("'StatefulPartitionedCall/nope'"),
      },
    );
  });
});
