import { z } from 'zod';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { PACKAGE_ROOT } from '../core/package-root.ts';
import { GatewayError } from '../core/errors.ts';
import { readApiKeys, type ApiKey } from './auth/keys.ts';
import { isLoopback } from './auth/loopback.ts';
import { issuesText } from '../core/issues.ts';

const DEFAULT_STORE = join(PACKAGE_ROOT, 'models');

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const num = (d: number) => z.coerce.number().default(d);
const bool = (d: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(d)
    .transform((v) => v === 'true');

/** Environment variables the gateway reads, validated once at start-up. */
export const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address to bind: 0.0.0.0 when API keys are configured, 127.0.0.1 when not (see ALLOW_UNAUTHENTICATED). */
  HOST: z.string().optional(),
  MODEL_STORE: z.string().default(DEFAULT_STORE),
  /** Largest request body in MiB (413 above). */
  BODY_LIMIT_MB: num(64).pipe(z.number().positive()),
  /**
   * Largest `audio/*` request body in MiB (413 above): a recording streamed to a model (a VAD) and
   * analysed a chunk at a time, never held whole.
   */
  AUDIO_BODY_LIMIT_MB: num(1024).pipe(z.number().positive().max(1_048_576)),
  /** Largest body of the repository routes (load, unload, index) in KiB (413 above). */
  REPOSITORY_BODY_LIMIT_KB: num(64).pipe(z.number().positive()),
  /** Deepest nesting of arrays and objects in a JSON body (400 above). */
  MAX_JSON_DEPTH: z.coerce.number().int().min(4).max(10_000).default(64),
  /**
   * Most elements one request tensor may declare (its shape product, zero dimensions counted as 1; 400
   * above). At most 2^31 − 1: runtimes refuse larger dimensions (onnxruntime: "Tensor.dims[1] is invalid").
   */
  MAX_TENSOR_ELEMENTS: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .default(67_108_864),
  /** Most instances per request: v1 instances, v2 batch rows (413 above). */
  MAX_INSTANCES: z.coerce.number().int().positive().default(256),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** 'false' turns the access log line per request off (the HTTP metrics still count every request). */
  ACCESS_LOG: bool('true'),
  /** Comma-separated folders or npm package names holding extra plugins. */
  PLUGINS: csv.default([]),
  /** Default execution providers for ONNX models that name none (e.g. "webgpu,cpu"). */
  ONNX_PROVIDERS: csv.default(['cpu']),
  /** Default TensorFlow.js backends in order ("tensorflow-gpu,tensorflow,wasm,cpu"). */
  TFJS_BACKENDS: csv.default([]),
  /** 'exit': a model that fails to load stops start-up; 'continue': it is reported unavailable. */
  ON_MODEL_ERROR: z.enum(['exit', 'continue']).default('exit'),
  /** Models to load at start (comma list); all when unset (Triton's --load-model). */
  LOAD_MODELS: csv.optional(),
  /** Models loaded at once at start-up; the default is the cores available, at most 4. */
  LOAD_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  REDIS_URL: z.string().optional(),
  /** In-process response cache size in MiB; 0 turns the memory tier off. */
  CACHE_MEMORY_MB: num(64).pipe(z.number().min(0)),
  /** Largest response cached, in KiB. */
  CACHE_MAX_ENTRY_KB: num(1024).pipe(z.number().positive()),
  /** Nice value of inference threads (Linux): above 0 they yield the CPU to the HTTP event loop. */
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** Inference threads under Linux's SCHED_IDLE policy (via `chrt`): CPU only when the event loop does not want it. */
  WORKER_SCHED_IDLE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** First delay before a dead inference thread is restarted, in ms (doubles while it keeps dying). */
  WORKER_RESTART_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(500),
  /** Longest delay between restarts of a dead inference thread, in ms. */
  WORKER_RESTART_MAX_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  /** API keys, `role:key` comma list (roles: infer, admin). */
  API_KEYS: z.string().optional(),
  /** File of API keys: one `role:key` per line (# comments), or JSON `[{"role": …, "key": …}]`. */
  API_KEYS_FILE: z.string().optional(),
  /** 'true' allows binding a non-loopback HOST with no API keys (anyone who can reach the port is admin). */
  ALLOW_UNAUTHENTICATED: bool('false'),
  /** 'false' serves /metrics without a key (a scraper on a private network); otherwise it needs an `infer` key. */
  METRICS_AUTH: bool('true'),
  /** Requests per second per API key (per client IP without keys); 0 turns rate limiting off. */
  RATE_LIMIT_RPS: num(0).pipe(z.number().min(0)),
  /** Token-bucket burst (requests); defaults to twice the rate, at least 1. */
  RATE_LIMIT_BURST: z.coerce.number().positive().optional(),
  /**
   * Deadline in ms for inference requests that state none (`timeout`/`timeout_ms`); a model's own `timeoutMs` still
   * caps it.
   */
  INFER_TIMEOUT_MS: num(30_000).pipe(z.number().positive()),
  /** On SIGTERM/SIGINT, how long requests already received may take to finish, in seconds. */
  SHUTDOWN_TIMEOUT_S: num(30).pipe(z.number().min(0)),
  /** A client must send all request headers within this many seconds (408 after). */
  HEADERS_TIMEOUT_S: num(10).pipe(z.number().positive()),
  /** A client must send the whole request (headers and body) within this many seconds (408 after). */
  REQUEST_TIMEOUT_S: num(60).pipe(z.number().positive()),
  /** An idle kept-alive connection is closed after this many seconds. */
  KEEP_ALIVE_TIMEOUT_S: num(5).pipe(z.number().positive()),
  /** Seconds between polls of the store for published versions (model-store/publish); 0 turns the watcher off. */
  STORE_POLL_S: num(2).pipe(z.number().min(0).max(3600)),
  /** Header carrying an experiment's sticky key (an experiment's `keyHeader` overrides it). */
  EXPERIMENT_KEY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/)
    .transform((h) => h.toLowerCase())
    .default('x-user-id'),
  /** Shadow copies in flight at most, over all experiments; more are dropped and counted. */
  EXPERIMENT_SHADOW_LIMIT: num(64).pipe(z.number().int().min(0)),
  /** Folder that server-side fine-tuning datasets (`"dataset": "<path>"`) must lie inside; unset: none accepted. */
  FINETUNE_DATA_ROOT: z.string().optional(),
  /** Share of one core a training thread may use (a duty cycle), 0.05 to 1. */
  FINETUNE_CPU_SHARE: num(0.5).pipe(z.number().min(0.05).max(1)),
  /** Nice value of training threads (Linux); they also run under SCHED_IDLE when WORKER_SCHED_IDLE is on. */
  FINETUNE_NICE: z.coerce.number().int().min(0).max(19).default(19),
  /** Fewest training examples per class (400 below). */
  FINETUNE_MIN_PER_CLASS: z.coerce.number().int().min(1).max(10_000).default(5),
  /** Most examples in one job, training and validation together (413 above). */
  FINETUNE_MAX_EXAMPLES: z.coerce.number().int().min(2).max(1_000_000).default(10_000),
  /** The validation gate's default bar: a candidate below this held-out accuracy is not published. */
  FINETUNE_MIN_ACCURACY: num(0.8).pipe(z.number().min(0).max(1)),
  /** Jobs that train at once (the others wait, `queued`). */
  FINETUNE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** Largest features buffer a job may hold, in MiB (the job fails with the reason above). */
  FINETUNE_MAX_FEATURE_MB: num(1024).pipe(z.number().positive()),
  /** Finished jobs whose records are kept (oldest forgotten first). */
  FINETUNE_JOBS_KEPT: z.coerce.number().int().min(1).max(100_000).default(100),
  /**
   * OpenTelemetry tracing (docs/observability.md): `auto` traces when an OTLP endpoint is set, `otlp` exports to the
   * endpoint (default http://localhost:4318), `none` makes spans and drops them (to measure the overhead), `off`.
   */
  TRACING: z.enum(['auto', 'otlp', 'none', 'off']).default('auto'),
  /** OTLP/HTTP base URL: traces are sent to `<url>/v1/traces` (the standard OpenTelemetry variable). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** OTLP/HTTP traces URL, used as it is (overrides the base URL above). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** `service.name` of the spans. */
  OTEL_SERVICE_NAME: z.string().min(1).default('massgate'),
  /** Which traces are kept: the standard sampler names. */
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .default('parentbased_always_on'),
  /** The ratio of the `traceidratio` samplers, 0 to 1. */
  OTEL_TRACES_SAMPLER_ARG: num(1).pipe(z.number().min(0).max(1)),
  /** 'true' turns tracing off whatever else is set (the standard OpenTelemetry switch). */
  OTEL_SDK_DISABLED: bool('false'),
});

/** Traces (gateway/telemetry/tracing.ts): where they go, if anywhere, and which are kept. */
export interface TracingConfig {
  /** `off`: no SDK loaded, no spans; `otlp`: exported over OTLP/HTTP; `none`: made and dropped. */
  mode: 'off' | 'otlp' | 'none';
  /** The OTLP/HTTP traces URL (mode `otlp`). */
  url?: string;
  serviceName: string;
  sampler: z.infer<typeof EnvSchema>['OTEL_TRACES_SAMPLER'];
  /** The ratio of the `traceidratio` samplers. */
  ratio: number;
}

/** Where traces go: TRACING and the standard OTEL_* variables resolved. */
function tracingOf(e: z.infer<typeof EnvSchema>): TracingConfig {
  const url =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  const mode = e.OTEL_SDK_DISABLED ? 'off' : e.TRACING === 'auto' ? (url ? 'otlp' : 'off') : e.TRACING;
  return {
    mode,
    ...(mode === 'otlp' ? { url: url ?? 'http://localhost:4318/v1/traces' } : {}),
    serviceName: e.OTEL_SERVICE_NAME,
    sampler: e.OTEL_TRACES_SAMPLER,
    ratio: e.OTEL_TRACES_SAMPLER_ARG,
  };
}

export interface GatewayConfig {
  port: number;
  host: string;
  modelStore: string;
  bodyLimitBytes: number;
  /** Largest streamed `audio/*` body. */
  audioBodyLimitBytes: number;
  repositoryBodyLimitBytes: number;
  limits: { maxJsonDepth: number; maxTensorElements: number; maxInstances: number };
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** One log line per answered request (at info; 5xx at error; health probes and /metrics at debug). */
  accessLog: boolean;
  plugins: string[];
  onnxProviders: string[];
  tfjsBackends: string[];
  onModelError: 'exit' | 'continue';
  loadModels?: string[] | undefined;
  /** Models loaded at once at start-up. */
  loadConcurrency: number;
  cache: { redisUrl?: string | undefined; memoryBytes: number; maxEntryBytes: number };
  workerNice: number;
  workerSchedIdle: boolean;
  workerRestart: { baseMs: number; maxMs: number };
  /** API keys (sha256 digests, never the keys) and who may do what; no keys = no authentication. */
  auth: { keys: readonly ApiKey[]; metricsAuth: boolean; allowUnauthenticated: boolean };
  /** Token bucket per key or client IP; `rps` 0 = off. */
  rateLimit: { rps: number; burst: number };
  inferTimeoutMs: number;
  /** Experiments: default sticky-key header, shadow copies in flight at most. */
  experiments: { keyHeader: string; shadowLimit: number };
  /** HTTP server timeouts, in ms. */
  server: { shutdownTimeoutMs: number; headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  /** Store watcher poll interval in ms; 0 = off. */
  storePollMs: number;
  /** Fine-tuning jobs (gateway/finetune): data root, training thread priority and share, limits, gate bar. */
  finetune: {
    dataRoot?: string;
    cpuShare: number;
    nice: number;
    minPerClass: number;
    maxExamples: number;
    minAccuracy: number;
    jobsKept: number;
    concurrency: number;
    maxFeatureBytes: number;
  };
  /** OpenTelemetry traces; `mode: 'off'` unless an OTLP endpoint or TRACING says otherwise. */
  tracing: TracingConfig;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Parses the environment (or overrides, for tests) into a frozen config. Throws CONFIG_INVALID naming
 * every bad variable.
 *
 * @example
 * const config = loadConfig({ MODEL_STORE: '/srv/models', PORT: '0' });
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsed = EnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    throw new GatewayError('CONFIG_INVALID', `invalid configuration: ${issuesText(parsed.error)}`);
  }
  const e = parsed.data;
  const keys = readApiKeys(e.API_KEYS, e.API_KEYS_FILE);
  const host = e.HOST ?? (keys.length ? '0.0.0.0' : '127.0.0.1');
  if (!keys.length && !isLoopback(host) && !e.ALLOW_UNAUTHENTICATED) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `invalid configuration: HOST=${host} with no API keys would let anyone who can reach the port load and unload models; set API_KEYS or API_KEYS_FILE, or ALLOW_UNAUTHENTICATED=true`,
    );
  }
  if (e.HEADERS_TIMEOUT_S > e.REQUEST_TIMEOUT_S) {
    throw new GatewayError(
      'CONFIG_INVALID',
      'invalid configuration: HEADERS_TIMEOUT_S must not exceed REQUEST_TIMEOUT_S',
    );
  }
  return deepFreeze({
    port: e.PORT,
    host,
    modelStore: e.MODEL_STORE,
    bodyLimitBytes: Math.round(e.BODY_LIMIT_MB * 1024 * 1024),
    audioBodyLimitBytes: Math.round(e.AUDIO_BODY_LIMIT_MB * 1024 * 1024),
    repositoryBodyLimitBytes: Math.round(e.REPOSITORY_BODY_LIMIT_KB * 1024),
    limits: { maxJsonDepth: e.MAX_JSON_DEPTH, maxTensorElements: e.MAX_TENSOR_ELEMENTS, maxInstances: e.MAX_INSTANCES },
    logLevel: e.LOG_LEVEL,
    accessLog: e.ACCESS_LOG,
    plugins: e.PLUGINS,
    onnxProviders: e.ONNX_PROVIDERS,
    tfjsBackends: e.TFJS_BACKENDS,
    onModelError: e.ON_MODEL_ERROR,
    loadModels: e.LOAD_MODELS,
    loadConcurrency: e.LOAD_CONCURRENCY ?? Math.max(1, Math.min(4, availableParallelism())),
    cache: {
      redisUrl: e.REDIS_URL,
      memoryBytes: Math.round(e.CACHE_MEMORY_MB * 1024 * 1024),
      maxEntryBytes: Math.round(e.CACHE_MAX_ENTRY_KB * 1024),
    },
    workerNice: e.WORKER_NICE,
    workerSchedIdle: e.WORKER_SCHED_IDLE,
    workerRestart: {
      baseMs: e.WORKER_RESTART_BASE_MS,
      maxMs: Math.max(e.WORKER_RESTART_BASE_MS, e.WORKER_RESTART_MAX_MS),
    },
    auth: { keys, metricsAuth: e.METRICS_AUTH, allowUnauthenticated: e.ALLOW_UNAUTHENTICATED },
    rateLimit: { rps: e.RATE_LIMIT_RPS, burst: e.RATE_LIMIT_BURST ?? Math.max(1, 2 * e.RATE_LIMIT_RPS) },
    inferTimeoutMs: e.INFER_TIMEOUT_MS,
    experiments: { keyHeader: e.EXPERIMENT_KEY_HEADER, shadowLimit: e.EXPERIMENT_SHADOW_LIMIT },
    server: {
      shutdownTimeoutMs: Math.round(e.SHUTDOWN_TIMEOUT_S * 1000),
      headersTimeoutMs: Math.round(e.HEADERS_TIMEOUT_S * 1000),
      requestTimeoutMs: Math.round(e.REQUEST_TIMEOUT_S * 1000),
      keepAliveTimeoutMs: Math.round(e.KEEP_ALIVE_TIMEOUT_S * 1000),
    },
    storePollMs: Math.round(e.STORE_POLL_S * 1000),
    finetune: {
      ...(e.FINETUNE_DATA_ROOT !== undefined ? { dataRoot: e.FINETUNE_DATA_ROOT } : {}),
      cpuShare: e.FINETUNE_CPU_SHARE,
      nice: e.FINETUNE_NICE,
      minPerClass: e.FINETUNE_MIN_PER_CLASS,
      maxExamples: e.FINETUNE_MAX_EXAMPLES,
      minAccuracy: e.FINETUNE_MIN_ACCURACY,
      jobsKept: e.FINETUNE_JOBS_KEPT,
      concurrency: e.FINETUNE_CONCURRENCY,
      maxFeatureBytes: Math.round(e.FINETUNE_MAX_FEATURE_MB * 1024 * 1024),
    },
    tracing: tracingOf(e),
  });
}
