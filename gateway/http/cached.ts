import type { Context } from 'hono';
import type { ModelConfig } from '../../model-store/schema.ts';
import { cacheKey, type KeyParts, type ResponseCache } from '../cache/index.ts';

/** Request parameters that steer scheduling, not the answer: left out of the cache key. */
const SCHEDULING = new Set(['timeout', 'timeout_ms', 'priority', 'cache']);

/** The request parameters that can change a response. */
export function answerParameters(parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).filter(([k]) => !SCHEDULING.has(k)));
}

/**
 * Runs `compute` through the response cache when the model opted in (`"cache": {…}` in its config)
 * and the request did not opt out (`"parameters": {"cache": false}`). Sets the `massgate-cache`
 * response header to where the answer came from (memory, redis, computed, shared, off).
 */
export async function throughCache(
  c: Context, cache: ResponseCache | undefined, config: ModelConfig, parameters: Record<string, unknown>,
  key: Omit<KeyParts, 'parameters'>, compute: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const policy = config.cache;
  if (!cache || !policy || policy.enabled === false || parameters.cache === false) {
    c.header('massgate-cache', 'off');
    return compute();
  }
  const { value, source } = await cache.getOrCompute(cacheKey({ ...key, parameters: answerParameters(parameters) }), policy.ttlSeconds ?? 300, compute, key.model);
  c.header('massgate-cache', source);
  return value;
}
