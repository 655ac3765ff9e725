import type { Context } from 'hono';
import type { Metrics } from '../metrics/index.ts';
import { annotate, traced, traceOf } from '../telemetry/spans.ts';
import { infoOf } from './request-id.ts';

/**
 * Runs a request's work for a resolved model, recording its duration and outcome in the metrics, the
 * model and version in the request's access log line and (tracing on) on the request's span.
 */
export async function observed<T>(
  c: Context,
  metrics: Metrics | undefined,
  model: { name: string; version: number },
  work: () => Promise<T>,
): Promise<T> {
  const info = infoOf(c);
  if (info !== undefined) {
    info.model = model.name;
    info.version = String(model.version);
  }
  if (traced(traceOf(c)))
    annotate(c, { 'massgate.model.name': model.name, 'massgate.model.version': String(model.version) });
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

/**
 * Throws the error a model would give a new request right now (queue full, no live instance), before
 * its body is read: under a refusal storm each refusal then costs no read, copy or parse. Skipped when
 * the response cache is on for the model, since a cached answer needs no queue place.
 */
export function refuseEarly(model: { refusal?(): Error | undefined }, cacheOn: boolean): void {
  if (cacheOn) return;
  const refused = model.refusal?.();
  if (refused) throw refused;
}
