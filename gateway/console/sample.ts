import { bucketQuantile, type Bucket } from './quantile.ts';
import type { ModelTotals, Totals } from './totals.ts';

/** One model's figures over one sampling interval (rates per second; gauges as read at its end). */
export interface ModelSample {
  /** Inference requests answered per second, and failed ones. */
  rps: number;
  error_rps: number;
  /** Request-duration percentiles (ms) of the requests of the interval, from the histogram; null without requests. */
  latency_ms: { p50: number; p95: number; p99: number } | null;
  /** Mean rows per executed batch in the interval; null without batches. */
  batch_size: number | null;
  queue: number;
  instances: number;
  live_instances: number;
  /** Cache hits / (hits + misses) in the interval; null without lookups (or with no cache on the model). */
  cache_hit_rate: number | null;
}

/** The gateway's figures over one sampling interval, as `GET /v1/metrics/history` lists them. */
export interface Sample {
  /** End of the interval, milliseconds since the epoch. */
  t: number;
  interval_s: number;
  /** HTTP requests answered per second (every route and status). */
  http_rps: number;
  models: Record<string, ModelSample>;
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;
/** A counter's increase; a counter that went down (a reset) counts from 0. */
const grew = (next: number, prev: number | undefined) => (prev === undefined || next < prev ? next : next - prev);

function latencyBetween(next: Bucket[], prev: Bucket[] | undefined): ModelSample['latency_ms'] {
  const delta = next.map((b) => ({ le: b.le, count: grew(b.count, prev?.find((p) => p.le === b.le)?.count) }));
  const p = [0.5, 0.95, 0.99].map((q) => bucketQuantile(q, delta));
  if (p[0] === null || p[0] === undefined) return null;
  const [p50, p95, p99] = p.map((v) => round((v ?? 0) * 1000)) as [number, number, number];
  return { p50, p95, p99 };
}

function modelBetween(next: ModelTotals, prev: ModelTotals | undefined, seconds: number): ModelSample {
  const requests = grew(next.requests, prev?.requests);
  const batches = grew(next.batches, prev?.batches);
  const hits = grew(next.cacheHits, prev?.cacheHits);
  const lookups = hits + grew(next.cacheMisses, prev?.cacheMisses);
  return {
    rps: round(requests / seconds),
    error_rps: round(grew(next.errors, prev?.errors) / seconds),
    latency_ms: requests > 0 ? latencyBetween(next.latency, prev?.latency) : null,
    batch_size: batches > 0 ? round(grew(next.rows, prev?.rows) / batches) : null,
    queue: next.queue,
    instances: next.instances,
    live_instances: next.live,
    cache_hit_rate: lookups > 0 ? round(hits / lookups) : null,
  };
}

/**
 * The figures between two readings of the totals: rates per second over the interval, percentiles of the interval's
 * own requests (bucket differences), the gauges of the later reading.
 *
 * @example const sample = sampleBetween(await readTotals(registry), later);
 */
export function sampleBetween(prev: Totals, next: Totals): Sample {
  const seconds = Math.max((next.at - prev.at) / 1000, 0.001);
  const models: Record<string, ModelSample> = {};
  for (const [name, totals] of [...next.models].sort(([a], [b]) => a.localeCompare(b)))
    models[name] = modelBetween(totals, prev.models.get(name), seconds);
  return { t: next.at, interval_s: round(seconds), http_rps: round(grew(next.http, prev.http) / seconds), models };
}
