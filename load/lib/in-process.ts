import { loadInWorker } from '../../runtimes/worker/index.ts';
import type { LoadSpec } from '../../runtimes/runtime.ts';
import type { Tensor } from '../../core/tensor.ts';

interface CeilingPoint {
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
  /** Back-to-back runs before measuring, so that the first size is not measured on cold pages, caches and JIT. */
  warmUpSeconds?: number;
}): Promise<CeilingPoint[]> {
  const sessions = await Promise.all(
    Array.from({ length: opts.instances }, () =>
      loadInWorker({ runtime: opts.runtime, spec: opts.spec, nice: opts.nice }),
    ),
  );
  const points: CeilingPoint[] = [];
  const measure = async (batch: number, seconds: number): Promise<number> => {
    const feeds = opts.feeds(batch);
    await Promise.all(sessions.map((s) => s.run(feeds)));
    let items = 0;
    const t0 = performance.now();
    await Promise.all(
      sessions.map(async (s) => {
        while (performance.now() - t0 < seconds * 1000) {
          await s.run(feeds);
          items += batch;
        }
      }),
    );
    return items / ((performance.now() - t0) / 1000);
  };
  try {
    if (opts.warmUpSeconds)
      for (const batch of opts.batches) await measure(batch, opts.warmUpSeconds / opts.batches.length);
    for (const batch of opts.batches) points.push({ batch, itemsPerSec: await measure(batch, opts.seconds) });
  } finally {
    await Promise.all(sessions.map((s) => s.dispose()));
  }
  return points;
}
