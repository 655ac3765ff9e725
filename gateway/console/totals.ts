import type { Registry } from 'prom-client';
import type { Bucket } from './quantile.ts';

/** One model's counters and gauges at one instant, summed over its versions (counters since the gateway started). */
export interface ModelTotals {
  /** Inference requests answered, and those that failed (any outcome but `success`). */
  requests: number;
  errors: number;
  /** Cumulative request-duration buckets (seconds), every outcome. */
  latency: Bucket[];
  /** Batches executed and the rows they held. */
  batches: number;
  rows: number;
  /** Requests waiting now, instances loaded and alive now. */
  queue: number;
  instances: number;
  live: number;
  /** Response cache hits (every tier) and misses. */
  cacheHits: number;
  cacheMisses: number;
}

/** The gateway's totals at one instant. */
export interface Totals {
  /** Milliseconds since the epoch. */
  at: number;
  /** HTTP requests answered (every route and status). */
  http: number;
  models: Map<string, ModelTotals>;
}

interface Value {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

const empty = (): ModelTotals => ({
  requests: 0,
  errors: 0,
  latency: [],
  batches: 0,
  rows: 0,
  queue: 0,
  instances: 0,
  live: 0,
  cacheHits: 0,
  cacheMisses: 0,
});

/** The values of one metric of the registry (none when it is not registered). */
async function valuesOf(registry: Registry, name: string): Promise<Value[]> {
  const metric = registry.getSingleMetric(name);
  return metric ? ((await metric.get()).values as Value[]) : [];
}

/**
 * Reads the per-model totals from the gateway's own Prometheus registry (gateway/metrics, the response cache's
 * counters): the metrics `/metrics` renders, summed per model, without rendering any text.
 *
 * @example const totals = await readTotals(metrics.registry);
 */
export async function readTotals(registry: Registry, now = Date.now()): Promise<Totals> {
  const models = new Map<string, ModelTotals>();
  const of = (labels: Value['labels']): ModelTotals | undefined => {
    const name = labels.model;
    if (typeof name !== 'string') return undefined;
    let m = models.get(name);
    if (!m) {
      m = empty();
      models.set(name, m);
    }
    return m;
  };
  const [request, batch, queue, instances, live, hits, misses, http] = await Promise.all(
    [
      'massgate_inference_request_duration_seconds',
      'massgate_inference_batch_size',
      'massgate_inference_queue_depth',
      'massgate_inference_instances',
      'massgate_inference_instances_live',
      'massgate_cache_hits_total',
      'massgate_cache_misses_total',
      'massgate_http_request_duration_seconds',
    ].map((name) => valuesOf(registry, name)),
  );
  for (const v of request!) {
    const m = of(v.labels);
    if (!m) continue;
    if (v.metricName?.endsWith('_count')) {
      m.requests += v.value;
      if (v.labels.outcome !== 'success') m.errors += v.value;
    } else if (v.metricName?.endsWith('_bucket')) {
      const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
      const bucket = m.latency.find((b) => b.le === le);
      if (bucket) bucket.count += v.value;
      else m.latency.push({ le, count: v.value });
    }
  }
  for (const v of batch!) {
    const m = of(v.labels);
    if (m && v.metricName?.endsWith('_count')) m.batches += v.value;
    else if (m && v.metricName?.endsWith('_sum')) m.rows += v.value;
  }
  const add = (values: Value[], field: 'queue' | 'instances' | 'live' | 'cacheHits' | 'cacheMisses') => {
    for (const v of values) {
      const m = of(v.labels);
      if (m) m[field] += v.value;
    }
  };
  add(queue!, 'queue');
  add(instances!, 'instances');
  add(live!, 'live');
  add(hits!, 'cacheHits');
  add(misses!, 'cacheMisses');
  const httpCount = http!.filter((v) => v.metricName?.endsWith('_count')).reduce((s, v) => s + v.value, 0);
  return { at: now, http: httpCount, models };
}
