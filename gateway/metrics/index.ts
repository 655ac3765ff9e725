import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isGatewayError } from '../../core/errors.ts';
import type { SchedulerHooks } from '../scheduling/index.ts';
import type { SchedulerStats } from '../scheduling/scheduler.ts';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The gateway's Prometheus metrics (docs/observability.md lists them): every HTTP request answered, by
 * method, route pattern and status; per model and version, named after Triton's (`nv_inference_*` →
 * `massgate_inference_*`): request durations by outcome (success or the error code), queue and compute
 * durations, batch sizes, queue depth and instances; experiments; Node's default metrics under their
 * standard names. One fact, one series: a histogram's `_count` is the request counter.
 *
 * @example
 * const metrics = createMetrics();
 * const hooks = metrics.schedulerHooks('resnet', '1');
 * app.get('/metrics', async (c) => c.text(await metrics.render(), 200, { 'content-type': metrics.contentType }));
 */
export function createMetrics() {
  const registry = new Registry();
  // Node's own metrics under their standard names (process_*, nodejs_*), as stock dashboards expect them.
  // The event-loop delay is sampled every 10 ms (prom-client's default): a 1 ms timer cost an idle gateway 2 % of
  // a core.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const http = new Histogram({
    name: 'massgate_http_request_duration_seconds',
    help: 'Every HTTP request answered, from its arrival at the router (or the health fast path) to its response, by method, route pattern ("unmatched" when none) and status; _count counts the requests',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, ...LATENCY_BUCKETS],
    registers: [registry],
  });
  // One child per label set, kept: prom-client validates and hashes the labels on every `observe` otherwise.
  const httpSeries = new Map<string, { observe(v: number): void }>();
  const labelNames = ['model', 'version'] as const;
  const request = new Histogram({
    name: 'massgate_inference_request_duration_seconds',
    help: 'Inference request duration from routing to response, by outcome (success or the error code); _count counts the requests',
    labelNames: [...labelNames, 'outcome'],
    buckets: [0.0005, ...LATENCY_BUCKETS],
    registers: [registry],
  });
  const queue = new Histogram({
    name: 'massgate_inference_queue_duration_seconds',
    help: 'Time requests wait in the scheduler queue',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const compute = new Histogram({
    name: 'massgate_inference_compute_duration_seconds',
    help: 'Time an instance spends on one batch',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const batch = new Histogram({
    name: 'massgate_inference_batch_size',
    help: 'Rows per executed batch',
    labelNames,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'massgate_instance_restarts_total',
    help: 'Inference threads restarted after their worker exited or crashed',
    labelNames,
    registers: [registry],
  });
  const exits = new Counter({
    name: 'massgate_instance_exits_total',
    help: 'Inference threads that exited or crashed while serving',
    labelNames,
    registers: [registry],
  });
  const expLabels = ['experiment', 'variant'] as const;
  const expRequests = new Histogram({
    name: 'massgate_experiment_request_duration_seconds',
    help: 'Duration of requests an experiment routed, per serving variant, by outcome (success or the error code); _count counts them',
    labelNames: [...expLabels, 'outcome'],
    buckets: [0.0005, ...LATENCY_BUCKETS],
    registers: [registry],
  });
  const expShadow = new Histogram({
    name: 'massgate_experiment_shadow_duration_seconds',
    help: 'Duration of shadow copies per shadow variant, by result (agreed, disagreed, uncompared, failed); _count counts them',
    labelNames: [...expLabels, 'result'],
    buckets: [0.0005, ...LATENCY_BUCKETS],
    registers: [registry],
  });
  const expShadowDropped = new Counter({
    name: 'massgate_experiment_shadow_dropped_total',
    help: 'Shadow copies dropped because EXPERIMENT_SHADOW_LIMIT copies were in flight',
    labelNames: expLabels,
    registers: [registry],
  });
  const expFeedback = new Counter({
    name: 'massgate_experiment_feedback_total',
    help: 'Rewards received per variant',
    labelNames: expLabels,
    registers: [registry],
  });
  const expReward = new Counter({
    name: 'massgate_experiment_reward_sum',
    help: 'Sum of the rewards received per variant (divide by massgate_experiment_feedback_total for the mean)',
    labelNames: expLabels,
    registers: [registry],
  });
  const loadFailures = new Counter({
    name: 'massgate_model_load_failures_total',
    help: 'Loads of a model that failed (start-up, load calls, versions published by file drop, first use of a lazy model)',
    labelNames: ['model'],
    registers: [registry],
  });
  let models: () => Array<{ name: string; ready: boolean }> = () => [];
  new Gauge({
    name: 'massgate_model_ready',
    help: 'Per model the gateway has tried to serve: 1 while it serves (READY, an instance alive), 0 when it does not (failed to load, loading, unloaded, lazy and not loaded yet)',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of models()) this.set({ model: m.name }, m.ready ? 1 : 0);
    },
  });
  const live = new Map<string, { model: string; version: string; stats: () => SchedulerStats }>();
  new Gauge({
    name: 'massgate_inference_queue_depth',
    help: 'Requests waiting in the scheduler queue',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const m of live.values()) this.set({ model: m.model, version: m.version }, m.stats().queued);
    },
  });
  new Gauge({
    name: 'massgate_inference_instances',
    help: 'Loaded instances (worker threads)',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const m of live.values()) this.set({ model: m.model, version: m.version }, m.stats().instances);
    },
  });
  new Gauge({
    name: 'massgate_inference_instances_live',
    help: 'Instances whose worker thread is alive (the others are restarting)',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const m of live.values()) this.set({ model: m.model, version: m.version }, m.stats().live);
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    /** Hooks for a model version's scheduler. */
    schedulerHooks(model: string, version: string): SchedulerHooks {
      const labels = { model, version };
      return {
        onDequeue: (ms) => queue.observe(labels, ms / 1000),
        onBatch: (rows, _requests, ms) => {
          batch.observe(labels, rows);
          compute.observe(labels, ms / 1000);
        },
      };
    },
    /** Counters for a model version's supervised instances: an exit, a restart. */
    instanceHooks(model: string, version: string) {
      const labels = { model, version };
      return { onExit: () => exits.inc(labels), onRestart: () => restarts.inc(labels) };
    },
    /** Where `massgate_model_ready` reads the models' states from (the repository), at each scrape. */
    trackModels(states: () => Array<{ name: string; ready: boolean }>): void {
      models = states;
    },
    /** Counts a model's failed load (`error` set); a successful one is not counted. */
    modelLoaded(model: string, error?: unknown): void {
      if (error !== undefined) loadFailures.inc({ model });
    },
    /** Starts reporting a loaded version's queue depth; the returned function stops it. */
    track(model: string, version: string, stats: () => SchedulerStats): () => void {
      const key = `${model}\u0000${version}`;
      live.set(key, { model, version, stats });
      return () => live.delete(key);
    },
    /** Records one inference request's outcome and duration. */
    observe(model: string, version: string, seconds: number, error?: unknown): void {
      const outcome = error === undefined ? 'success' : isGatewayError(error) ? error.code : 'INTERNAL';
      request.observe({ model, version, outcome }, seconds);
    },
    /** Records one answered HTTP request (`route`: the route pattern, or "unmatched"). */
    http(method: string, route: string, status: number, seconds: number): void {
      const key = `${method} ${status} ${route}`;
      let series = httpSeries.get(key);
      if (series === undefined) {
        series = http.labels(method, route, String(status));
        httpSeries.set(key, series);
      }
      series.observe(seconds);
    },
    /** Experiment figures with a `variant` label: routed requests, shadow copies, rewards. */
    experiment: {
      served(experiment: string, variant: string, seconds: number, outcome: string): void {
        expRequests.observe({ experiment, variant, outcome }, seconds);
      },
      shadow(
        experiment: string,
        variant: string,
        result: 'agreed' | 'disagreed' | 'uncompared' | 'failed',
        seconds: number,
      ): void {
        expShadow.observe({ experiment, variant, result }, seconds);
      },
      shadowDropped(experiment: string, variant: string): void {
        expShadowDropped.inc({ experiment, variant });
      },
      rewarded(experiment: string, variant: string, reward: number): void {
        expFeedback.inc({ experiment, variant });
        expReward.inc({ experiment, variant }, reward);
      },
    },
    render: () => registry.metrics(),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
