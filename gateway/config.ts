import { z } from 'zod';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../core/errors.ts';

const DEFAULT_STORE = fileURLToPath(new URL('../models', import.meta.url));

const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const num = (d: number) => z.coerce.number().default(d);

/** Environment variables the gateway reads, validated once at start-up. */
export const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  MODEL_STORE: z.string().default(DEFAULT_STORE),
  /** Largest request body in MiB (413 above). */
  BODY_LIMIT_MB: num(64).pipe(z.number().positive()),
  /** Largest body of the repository routes (load, unload, index) in KiB (413 above). */
  REPOSITORY_BODY_LIMIT_KB: num(64).pipe(z.number().positive()),
  /** Deepest nesting of arrays and objects in a JSON body (400 above). */
  MAX_JSON_DEPTH: z.coerce.number().int().min(4).max(10_000).default(64),
  /**
   * Most elements one request tensor may declare (its shape product, zero dimensions counted as 1; 400
   * above). At most 2^31 − 1: runtimes refuse larger dimensions (onnxruntime: "Tensor.dims[1] is invalid").
   */
  MAX_TENSOR_ELEMENTS: z.coerce.number().int().positive().max(2 ** 31 - 1).default(67_108_864),
  /** Most instances per request: v1 instances, v2 batch rows (413 above). */
  MAX_INSTANCES: z.coerce.number().int().positive().default(256),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
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
  REDIS_URL: z.string().optional(),
  /** In-process response cache size in MiB; 0 turns the memory tier off. */
  CACHE_MEMORY_MB: num(64).pipe(z.number().min(0)),
  /** Largest response cached, in KiB. */
  CACHE_MAX_ENTRY_KB: num(1024).pipe(z.number().positive()),
  /** Nice value of inference threads (Linux): above 0 they yield the CPU to the HTTP event loop. */
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** Inference threads under Linux's SCHED_IDLE policy (via `chrt`): CPU only when the event loop does not want it. */
  WORKER_SCHED_IDLE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
});

export interface GatewayConfig {
  port: number;
  host: string;
  modelStore: string;
  bodyLimitBytes: number;
  repositoryBodyLimitBytes: number;
  limits: { maxJsonDepth: number; maxTensorElements: number; maxInstances: number };
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  plugins: string[];
  onnxProviders: string[];
  tfjsBackends: string[];
  onModelError: 'exit' | 'continue';
  loadModels?: string[];
  cache: { redisUrl?: string; memoryBytes: number; maxEntryBytes: number };
  workerNice: number;
  workerSchedIdle: boolean;
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
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    throw new GatewayError('CONFIG_INVALID', `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    modelStore: e.MODEL_STORE,
    bodyLimitBytes: Math.round(e.BODY_LIMIT_MB * 1024 * 1024),
    repositoryBodyLimitBytes: Math.round(e.REPOSITORY_BODY_LIMIT_KB * 1024),
    limits: { maxJsonDepth: e.MAX_JSON_DEPTH, maxTensorElements: e.MAX_TENSOR_ELEMENTS, maxInstances: e.MAX_INSTANCES },
    logLevel: e.LOG_LEVEL,
    plugins: e.PLUGINS,
    onnxProviders: e.ONNX_PROVIDERS,
    tfjsBackends: e.TFJS_BACKENDS,
    onModelError: e.ON_MODEL_ERROR,
    loadModels: e.LOAD_MODELS,
    cache: { redisUrl: e.REDIS_URL, memoryBytes: Math.round(e.CACHE_MEMORY_MB * 1024 * 1024), maxEntryBytes: Math.round(e.CACHE_MAX_ENTRY_KB * 1024) },
    workerNice: e.WORKER_NICE,
    workerSchedIdle: e.WORKER_SCHED_IDLE,
  });
}
