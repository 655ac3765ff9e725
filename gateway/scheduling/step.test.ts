import { describe, expect, it } from 'vitest';
import { BatchingSchema } from '../../model-store/schema.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import type { Tensor } from '../../core/tensor.ts';
import { createScheduler } from './batcher.ts';

/**
 * An instance with a worker step that answers each row's sum (`s`), and records every run: which kind,
 * how many rows, and the signal it was given. Step runs wait until `finish()` or their signal aborts.
 */
function stepInstance() {
  const runs: Array<{ kind: 'model' | 'step'; rows: number; signal?: AbortSignal | undefined }> = [];
  const waiting: Array<() => void> = [];
  const rows = (feeds: Record<string, Tensor>) => feeds.x!.shape[0]!;
  const session: RuntimeSession = {
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
    provider: 'cpu',
    async run(feeds) {
      runs.push({ kind: 'model', rows: rows(feeds) });
      return { y: { ...feeds.x!, name: 'y' } };
    },
    runStep(feeds, options) {
      runs.push({ kind: 'step', rows: rows(feeds), signal: options?.signal });
      return new Promise((resolve, reject) => {
        options?.signal?.addEventListener(
          'abort',
          () => reject(Object.assign(new Error('cancelled'), { code: 'CANCELLED' })),
          { once: true },
        );
        waiting.push(() => {
          const x = feeds.x!.data as Float32Array;
          resolve({
            s: {
              name: 's',
              datatype: 'FP32',
              shape: [rows(feeds)],
              data: Float32Array.from({ length: rows(feeds) }, (_, r) => x[2 * r]! + x[2 * r + 1]!),
            },
          });
        });
      });
    },
    async dispose() {},
  };
  return {
    session,
    runs,
    finish: () => {
      for (const f of waiting.splice(0)) f();
    },
  };
}

const x = (...v: number[]): Record<string, Tensor> => ({
  x: { name: 'x', datatype: 'FP32', shape: [v.length / 2, 2], data: Float32Array.from(v) },
});
const started = (runs: unknown[], n: number) => expect.poll(() => runs.length).toBe(n);

describe('worker-step requests in the scheduler', () => {
  it('batch with each other, never with model runs, and answer each request its own rows', async () => {
    const inst = stepInstance();
    const s = createScheduler([inst.session], BatchingSchema.parse({ maxBatchSize: 8, maxQueueDelayMs: 0 }));
    const model = s.submit(x(9, 9)); // runs at once; the step requests queue behind it and leave together
    const a = s.submit(x(1, 2), { step: true });
    const b = s.submit(x(3, 4, 5, 6), { step: true });
    expect(await model).toMatchObject({ y: { shape: [1, 2] } });
    await started(inst.runs, 2);
    inst.finish();
    expect(Array.from((await a).s!.data as Float32Array)).toEqual([3]);
    expect(Array.from((await b).s!.data as Float32Array)).toEqual([7, 11]);
    expect(inst.runs.map((r) => [r.kind, r.rows])).toEqual([
      ['model', 1],
      ['step', 3],
    ]);
  });

  it('give a running step up once every request of its batch has been given up, not before', async () => {
    const inst = stepInstance();
    const s = createScheduler(
      [inst.session],
      BatchingSchema.parse({ queueDelay: 'fixed', maxBatchSize: 8, maxQueueDelayMs: 1000, preferredBatchSizes: [2] }),
    );
    const [ca, cb] = [new AbortController(), new AbortController()];
    const a = s.submit(x(1, 2), { step: true, signal: ca.signal });
    const b = s.submit(x(3, 4), { step: true, signal: cb.signal });
    await started(inst.runs, 1);
    const signal = inst.runs[0]!.signal!;
    ca.abort();
    await expect(a).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(signal.aborted).toBe(false); // b still wants its answer
    cb.abort();
    await expect(b).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(signal.aborted).toBe(true);
  });

  it('fail clearly on an instance without a step', async () => {
    const inst = stepInstance();
    const plain: RuntimeSession = { ...inst.session, runStep: undefined };
    const s = createScheduler([plain], BatchingSchema.parse({ maxBatchSize: 0 }));
    await expect(s.submit(x(1, 2), { step: true })).rejects.toMatchObject({
      code: 'INFERENCE_FAILED',
      message: expect.stringMatching(/no worker step/),
    });
  });
});
