import type { Metrics } from '../metrics/index.ts';

/** Runs a request's work for a resolved model, recording its duration and outcome in the metrics. */
export async function observed<T>(metrics: Metrics | undefined, model: { name: string; version: number }, work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    const result = await work();
    metrics?.observe(model.name, String(model.version), (performance.now() - t0) / 1000);
    return result;
  } catch (e) {
    metrics?.observe(model.name, String(model.version), (performance.now() - t0) / 1000, e);
    throw e;
  }
}
