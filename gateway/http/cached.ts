import type { Context as TraceContext } from '@opentelemetry/api';
import type { Context } from 'hono';
import type { ModelConfig } from '../../model-store/schema.ts';
import { cacheKey, type KeyParts, type ResponseCache } from '../cache/index.ts';
import { inSpan, traced } from '../telemetry/spans.ts';

/** Request parameters that steer scheduling, not the answer: left out of the cache key. */
const SCHEDULING = new Set(['timeout', 'timeout_ms', 'priority', 'cache']);

/** The request parameters that can change a response. */
function answerParameters(parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).filter(([k]) => !SCHEDULING.has(k)));
}

/** The cancellation signal, deadline and trace context a computation runs under. */
export interface RunOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Tracing on: the parent of the computation's spans (the request's, or the cache look-up's span). */
  trace?: TraceContext | undefined;
  /** The request's client (its connection), for the adaptive queue delay; none for a shared computation. */
  client?: object | undefined;
}

/** Whether a model's answers go through the response cache: the gateway has one and the model opted in. */
export function cachesFor(cache: ResponseCache | undefined, config: ModelConfig): cache is ResponseCache {
  return cache !== undefined && config.cache !== undefined && config.cache.enabled !== false;
}

/** How a computed answer is stored in the cache as bytes, and read back. */
export interface CacheCodec<T> {
  pack(value: T): Uint8Array;
  unpack(bytes: Uint8Array): T;
}

/** Where a request's answer is looked up: the key's parts and how the answer is stored. */
export interface CacheStep<T> {
  key: Omit<KeyParts, 'parameters'>;
  codec: CacheCodec<T>;
}

/**
 * Runs `compute` through the response cache when the model opted in (`"cache": {…}` in its config)
 * and the request did not opt out (`"parameters": {"cache": false}`). Sets the `massgate-cache`
 * response header to where the answer came from (memory, redis, computed, shared, off).
 *
 * Without the cache the step is skipped: `compute` runs once under the request's own signal and
 * deadline (`own`) and its answer is returned as it is, never packed. Through the cache it may be shared
 * by identical concurrent requests, so it runs under neither: its signal aborts only when every waiting
 * request has gone, its deadline is `sharedTimeoutMs`, and each request waits with its own signal and
 * deadline.
 *
 * Tracing on (`own.trace` sampled), the look-up is a `massgate.cache` span (`massgate.cache.source`), a child of
 * `own.trace` and the parent of the computation's spans when the answer is computed here.
 */
export async function throughCache<T>(
  c: Context,
  cache: ResponseCache | undefined,
  config: ModelConfig,
  parameters: Record<string, unknown>,
  step: CacheStep<T>,
  compute: (run: RunOptions) => Promise<T>,
  own: RunOptions = {},
  sharedTimeoutMs?: number,
): Promise<T> {
  if (!cachesFor(cache, config) || parameters.cache === false) {
    c.header('massgate-cache', 'off');
    return compute(own);
  }
  const lookup = (trace?: TraceContext) =>
    cache.getOrCompute(
      cacheKey({ ...step.key, parameters: answerParameters(parameters) }),
      config.cache!.ttlSeconds ?? 300,
      async (signal) => step.codec.pack(await compute({ signal, timeoutMs: sharedTimeoutMs, trace })),
      step.key.model,
      own,
    );
  const { value, source } = traced(own.trace)
    ? await inSpan('massgate.cache', cacheAttributes(step.key), own.trace, async (trace, span) => {
        const r = await lookup(trace);
        span?.setAttribute('massgate.cache.source', r.source);
        return r;
      })
    : await lookup();
  c.header('massgate-cache', source);
  return step.codec.unpack(value);
}

/** The attributes of a `massgate.cache` span. */
function cacheAttributes(key: { model: string; version: number | string }): Record<string, string> {
  return { 'massgate.model.name': key.model, 'massgate.model.version': String(key.version) };
}
