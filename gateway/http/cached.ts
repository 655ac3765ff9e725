import type { Context } from 'hono';
import type { ModelConfig } from '../../model-store/schema.ts';
import { cacheKey, type KeyParts, type ResponseCache } from '../cache/index.ts';

/** Request parameters that steer scheduling, not the answer: left out of the cache key. */
const SCHEDULING = new Set(['timeout', 'timeout_ms', 'priority', 'cache']);

/** The request parameters that can change a response. */
function answerParameters(parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).filter(([k]) => !SCHEDULING.has(k)));
}

/** The cancellation signal and deadline a computation runs under. */
export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Whether a model's answers go through the response cache: the gateway has one and the model opted in. */
export function cachesFor(cache: ResponseCache | undefined, config: ModelConfig): cache is ResponseCache {
  return cache !== undefined && config.cache !== undefined && config.cache.enabled !== false;
}

/**
 * Runs `compute` through the response cache when the model opted in (`"cache": {…}` in its config)
 * and the request did not opt out (`"parameters": {"cache": false}`). Sets the `massgate-cache`
 * response header to where the answer came from (memory, redis, computed, shared, off).
 *
 * Without the cache, `compute` runs under the request's own signal and deadline (`own`). Through the
 * cache it may be shared by identical concurrent requests, so it runs under neither: its signal aborts
 * only when every waiting request has gone, its deadline is `sharedTimeoutMs`, and each request waits
 * with its own signal and deadline.
 */
export async function throughCache(
  c: Context,
  cache: ResponseCache | undefined,
  config: ModelConfig,
  parameters: Record<string, unknown>,
  key: Omit<KeyParts, 'parameters'>,
  compute: (run: RunOptions) => Promise<Uint8Array>,
  own: RunOptions = {},
  sharedTimeoutMs?: number,
): Promise<Uint8Array> {
  if (!cachesFor(cache, config) || parameters.cache === false) {
    c.header('massgate-cache', 'off');
    return compute(own);
  }
  const { value, source } = await cache.getOrCompute(
    cacheKey({ ...key, parameters: answerParameters(parameters) }),
    config.cache!.ttlSeconds ?? 300,
    (signal) => compute({ signal, timeoutMs: sharedTimeoutMs }),
    key.model,
    own,
  );
  c.header('massgate-cache', source);
  return value;
}
