import { loadInWorker } from '../../runtimes/worker/index.ts';
import type { LoadSpec } from '../../runtimes/runtime.ts';
import type { Tensor } from '../../core/tensor.ts';

export interface CeilingPoint {
  batch: number;
  itemsPerSec: number;
}

/**
 * The in-process ceiling: the same runtime in the same worker threads the gateway uses, no HTTP and no
 * scheduler, every instance running back-to-back batches of each size for `seconds`.
 */
export async function inProcessCeiling(opts: {
  runtime: string;
  spec: LoadSpec;
  instances: number;
  batches: readonly number[];
  seconds: number;
  feeds: (batch: number) => Record<string, Tensor>;
  nice?: number;
}): Promise<CeilingPoint[]> {
  const sessions = await Promise.all(Array.from({ length: opts.instances }, () => loadInWorker({ runtime: opts.runtime, spec: opts.spec, nice: opts.nice })));
  const points: CeilingPoint[] = [];
  try {
    for (const batch of opts.batches) {
      const feeds = opts.feeds(batch);
      await Promise.all(sessions.map((s) => s.run(feeds)));
      let items = 0;
      const t0 = performance.now();
      await Promise.all(sessions.map(async (s) => {
        while (performance.now() - t0 < opts.seconds * 1000) {
          await s.run(feeds);
          items += batch;
        }
      }));
      points.push({ batch, itemsPerSec: items / ((performance.now() - t0) / 1000) });
    }
  } finally {
    await Promise.all(sessions.map((s) => s.dispose()));
  }
  return points;
}
