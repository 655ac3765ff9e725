import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { scaleSumModel, tempStore } from '../../test/support/tiny-models.ts';
import { repeatStep } from '../../test/support/repeat-step.ts';
import { loadInWorker } from './index.ts';

const path = join(tempStore(), 'scale.onnx');
writeFileSync(path, scaleSumModel(2));
const x = (...v: number[]) => ({
  x: { name: 'x', datatype: 'FP32' as const, shape: [v.length / 4, 4], data: Float32Array.from(v) },
});

describe('a worker step', () => {
  it('runs in the worker thread, calling the model there as often as it needs, in one call', async () => {
    const s = await loadInWorker({
      runtime: 'onnx',
      spec: { path },
      step: { module: repeatStep.module, export: repeatStep.export, params: { times: 5 } },
    });
    try {
      const out = await s.runStep!(x(1, 2, 3, 4, 0.5, 0, 0, 0));
      expect(Array.from(out.y!.data as Float32Array)).toEqual([32, 64, 96, 128, 16, 0, 0, 0]); // 2⁵ · x
      const threads = Array.from(out.thread!.data as Int32Array);
      expect(threads[0]).not.toBe(threadId);
      expect(threads).toEqual([threads[0], threads[0]]);
      // The model itself stays callable on the same instance.
      expect(
        Array.from(
          (
            await s.run(
              { ...x(1, 1, 1, 1), ids: { name: 'ids', datatype: 'INT64', shape: [1, 2], data: new BigInt64Array(2) } },
              ['y'],
            )
          ).y!.data as Float32Array,
        ),
      ).toEqual([2, 2, 2, 2]);
    } finally {
      await s.dispose();
    }
  });

  it("passes the step's refusal on with its code", async () => {
    const s = await loadInWorker({
      runtime: 'onnx',
      spec: { path },
      step: { module: repeatStep.module, export: repeatStep.export, params: { times: 1 } },
    });
    try {
      await expect(s.runStep!(x(-1, 0, 0, 0))).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: 'x must not be negative',
      });
    } finally {
      await s.dispose();
    }
  });

  it('stops a step when its run is given up: the model call after the cancel throws CANCELLED, and the instance serves on', async () => {
    const s = await loadInWorker({
      runtime: 'onnx',
      spec: { path },
      step: { module: repeatStep.module, export: repeatStep.export, params: { times: Number.MAX_SAFE_INTEGER } },
    });
    try {
      const abort = new AbortController();
      const run = s.runStep!(x(1, 0, 0, 0), { signal: abort.signal });
      abort.abort(); // the cancel follows the step message: the step's next model call refuses
      await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(
        (
          await s.run(
            { ...x(1, 1, 1, 1), ids: { name: 'ids', datatype: 'INT64', shape: [1, 2], data: new BigInt64Array(2) } },
            ['y'],
          )
        ).y!.shape,
      ).toEqual([1, 4]);
    } finally {
      await s.dispose();
    }
  });

  it('fails the load, naming the module, when the module does not export it', async () => {
    await expect(
      loadInWorker({
        runtime: 'onnx',
        spec: { path },
        step: { module: repeatStep.module, export: 'nope', params: {} },
      }),
    ).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: expect.stringContaining("worker step 'nope' is not exported by"),
    });
  });

  it('is absent from an instance loaded without one', async () => {
    const s = await loadInWorker({ runtime: 'onnx', spec: { path } });
    expect(s.runStep).toBeUndefined();
    await s.dispose();
  });
});
