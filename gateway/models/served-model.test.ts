import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../core/tensor.ts';
import { definePlugin } from '../../plugins/plugin.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { BatchingSchema, ModelConfigSchema } from '../../model-store/schema.ts';
import { createScheduler } from '../scheduling/index.ts';
import { ServedModel } from './served-model.ts';

/** A model that doubles x [n,1], and answers a ragged `frames` output [n, rows-in-run] (like VAD's). */
const session = (): RuntimeSession & { runs: number[] } => {
  const runs: number[] = [];
  return {
    runs,
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }],
    outputs: [
      { name: 'y', datatype: 'FP32', shape: [-1, 1] },
      { name: 'frames', datatype: 'FP32', shape: [-1, -1] },
    ],
    provider: 'cpu',
    async run(feeds) {
      const x = feeds.x!;
      const n = x.shape[0]!;
      runs.push(n);
      return {
        y: {
          name: 'y',
          datatype: 'FP32',
          shape: [n, 1],
          data: Float32Array.from(x.data as Float32Array, (v) => 2 * v),
        },
        frames: { name: 'frames', datatype: 'FP32', shape: [n, n], data: new Float32Array(n * n).fill(n) },
      };
    },
    async dispose() {},
  };
};

describe('a plugin model asked for more items than maxBatchSize', () => {
  it('preprocesses and runs them in chunks of maxBatchSize and answers every item in order', async () => {
    const preprocessed: number[] = [];
    const plugin = definePlugin<number>({
      name: 'doubler',
      modality: 'tensor',
      inputs: [{ name: 'v', datatype: 'FP32', shape: [-1] }],
      parseInstance: (i) => Number(i),
      fromTensors: (inputs) => Array.from(inputs.v!.data as Float32Array),
      async preprocess(items) {
        preprocessed.push(items.length);
        return {
          x: { name: 'x', datatype: 'FP32', shape: [items.length, 1], data: Float32Array.from(items) } as Tensor,
        };
      },
      postprocess: (outputs, _ctx, items) => {
        expect(outputs.frames!.shape).toEqual([items.length, Math.min(items.length, 8)]); // ragged chunk outputs joined, padded to the widest
        return Array.from(outputs.y!.data as Float32Array);
      },
    });
    const s = session();
    const batching = BatchingSchema.parse({ maxBatchSize: 8, maxQueueDelayMs: 0 });
    const model = new ServedModel({
      entry: { name: 'd', dir: '/nonexistent', config: ModelConfigSchema.parse({}), versions: [] },
      source: {
        version: 1,
        dir: '/nonexistent/1',
        path: '/nonexistent/1/model.onnx',
        shownPath: 'd/1/model.onnx',
        format: 'onnx',
      },
      runtime: 'onnx',
      sessions: [s],
      scheduler: createScheduler([s], batching),
      plugin,
      chunkItems: 8,
      timeoutMs: batching.timeoutMs,
      context: (m) => ({
        modelName: 'd',
        params: {},
        inputs: s.inputs,
        outputs: s.outputs,
        run: (f, o) => m.run(f, { outputs: o }),
        model: () => {
          throw new Error('none');
        },
      }),
    });
    const out = await model.predict(
      Array.from({ length: 20 }, (_, i) => i),
      {},
    );
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
    expect(preprocessed).toEqual([8, 8, 4]);
    expect(s.runs).toEqual([8, 8, 4]);
    const small = await model.predict([5, 6], {});
    expect(small).toEqual([10, 12]);
    await model.close();
  });
});

describe("a model's metadata", () => {
  const served = (labels: string[], config: Record<string, unknown> = {}) => {
    const s = session();
    const batching = BatchingSchema.parse({});
    return new ServedModel({
      entry: { name: 'm', dir: '/nonexistent', config: ModelConfigSchema.parse(config), versions: [] },
      source: { version: 1, dir: '/nonexistent/1', path: '/x', shownPath: 'm/1/model.onnx', format: 'onnx' },
      runtime: 'onnx',
      sessions: [s],
      scheduler: createScheduler([s], batching),
      labels,
      timeoutMs: batching.timeoutMs,
    });
  };

  it('counts its labels in label_count, and lists them up to 1000 (an OCR alphabet of 6623 is not a string)', async () => {
    const few = served(['a', 'b']);
    const many = served(Array.from({ length: 6623 }, (_, i) => String(i)));
    expect(few.describe()).toMatchObject({ labels: ['a', 'b'], label_count: 2 });
    expect(many.describe().label_count).toBe(6623);
    expect(many.describe().labels).toBeUndefined();
    await Promise.all([few.close(), many.close()]);
  });

  it("shows the model's own example instance", async () => {
    const m = served(['a'], { example: { text: 'print(1)' } });
    expect(m.describe().example).toEqual({ instances: [{ text: 'print(1)' }] });
    await m.close();
  });
});
