import { threadId } from 'node:worker_threads';
import { GatewayError } from '../../core/errors.ts';
import type { Tensor } from '../../core/tensor.ts';
import { defineWorkerStep } from '../../runtimes/worker/step.ts';

/**
 * A worker step for tests, over `scaleSumModel` (y = 2·x): runs the model `params.times` times, feeding
 * y back as x, and answers y and the id of the thread it ran in. An x whose first value is negative is
 * refused with INVALID_INPUT, as a step refuses bad input.
 */
export const repeatStep = defineWorkerStep<{ times: number }>({
  module: import.meta.url,
  export: 'repeatStep',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [
    { name: 'y', datatype: 'FP32', shape: [-1, 4] },
    { name: 'thread', datatype: 'INT32', shape: [-1] },
  ],
  async run(feeds, ctx) {
    let x = feeds.x!;
    if ((x.data as Float32Array)[0]! < 0) throw new GatewayError('INVALID_INPUT', 'x must not be negative');
    const n = x.shape[0]!;
    const ids: Tensor = { name: 'ids', datatype: 'INT64', shape: [n, 2], data: new BigInt64Array(n * 2) };
    for (let i = 0; i < ctx.params.times; i++) x = { ...(await ctx.run({ x, ids }, ['y'])).y!, name: 'x' };
    return {
      y: { ...x, name: 'y' },
      thread: { name: 'thread', datatype: 'INT32', shape: [n], data: new Int32Array(n).fill(threadId) },
    };
  },
});
