import { percentiles } from '../../core/percentile.ts';
import type { Servable } from '../models/servable.ts';
import type { Speed } from '../finetune/job.ts';
import { cancelled } from '../finetune/lifecycle.ts';
import { askScores } from './ask.ts';
import type { DistillInput } from './inputs.ts';

/** Requests in flight at once for the throughput figure. */
const CLIENTS = 4;

/**
 * How fast a model answers `inputs` through its serving path, as clients call it: latency of one-input
 * requests sent one after another (p50, p95), then throughput of the same inputs as one-input requests
 * `CLIENTS` at a time (the batcher combines them). One request first, untimed, warms the path.
 * Figures of a shared, busy machine: compare models measured the same way, one after the other. `served`
 * is looked up for every request, as a client's request would be (a reload — the store watcher seeing a
 * version just published — swaps the instance under it).
 */
export async function measureSpeed(
  served: () => Servable,
  inputs: readonly DistillInput[],
  signal: AbortSignal,
): Promise<Speed> {
  const ask = (xs: readonly DistillInput[]) => askScores(served(), xs, signal);
  await ask(inputs.slice(0, 1));
  const ms: number[] = [];
  for (const x of inputs) {
    if (signal.aborted) throw cancelled();
    const t0 = performance.now();
    await ask([x]);
    ms.push(performance.now() - t0);
  }
  const [p50, p95] = percentiles(Float64Array.from(ms), [50, 95]) as [number, number];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < inputs.length) {
        if (signal.aborted) throw cancelled();
        await ask([inputs[next++]!]);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    latencyMs: { p50: round(p50), p95: round(p95), requests: ms.length },
    itemsPerS: round(inputs.length / seconds),
  };
}
