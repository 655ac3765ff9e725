import { Counter, Histogram, type Registry } from 'prom-client';
import { ByteLru } from './lru.ts';
import { RedisTier } from './redis.ts';
import { SingleFlight, type WaitOptions } from './single-flight.ts';

export { cacheKey, canonicalJson, exactKey, type KeyParts } from './key.ts';

interface CacheOptions {
  /** In-process tier size in bytes; 0 turns it off. */
  memoryBytes: number;
  /** Larger responses are not cached. */
  maxEntryBytes: number;
  /** Redis tier (behind the memory tier) when set. */
  redisUrl?: string | undefined;
  redisCommandTimeoutMs?: number | undefined;
}

/** A whole response body as sent, with the binary extension's JSON header length when it has one. */
export interface StoredResponse {
  body: Uint8Array;
  headerLength?: number;
  /** The v2 `id` of the request it answered (a byte-identical request carries the same one). */
  id?: string;
}

/** Where an answer came from. */
export type CacheSource = 'memory' | 'redis' | 'computed' | 'shared';

export interface ResponseCache {
  /**
   * The cached value for `key`, or `compute()`'s, stored on success only. Concurrent calls for one key
   * share a single lookup and compute. Each caller waits with its own `signal` and deadline (`own`);
   * the signal `compute` gets aborts only when every caller waiting on it has gone.
   */
  getOrCompute(
    key: string,
    ttlSeconds: number,
    compute: (signal: AbortSignal) => Promise<Uint8Array>,
    model: string,
    own?: WaitOptions,
  ): Promise<{ value: Uint8Array; source: CacheSource }>;
  /**
   * Whole responses by exact request bytes, in the memory tier only: the fast path that skips parsing
   * and validation for a byte-identical repeat. `get` counts a memory hit.
   */
  exact: {
    get(key: string, model: string): StoredResponse | undefined;
    set(key: string, value: StoredResponse, ttlSeconds: number): void;
  };
  status(): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * The response cache: an in-process LRU bounded in bytes (the embedded default), optionally in front
 * of Redis (two tiers), with single-flight and per-tier metrics (`massgate_cache_*`). Redis trouble
 * never fails a request: lookups give up after a short timeout and answers are computed instead.
 *
 * @example
 * const cache = createResponseCache({ memoryBytes: 64 << 20, maxEntryBytes: 1 << 20, redisUrl: process.env.REDIS_URL },
 * registry);
 * const { value, source } = await cache.getOrCompute(key, 300, () => infer(), 'resnet');
 */
export function createResponseCache(o: CacheOptions, registry?: Registry): ResponseCache {
  // One byte budget for both kinds of entry: encoded answers (bytes) and whole responses (exact tier).
  const memory =
    o.memoryBytes > 0
      ? new ByteLru<Uint8Array | StoredResponse>(o.memoryBytes, Date.now, (v) =>
          v instanceof Uint8Array ? v.byteLength : v.body.byteLength + 16,
        )
      : undefined;
  const redis = o.redisUrl ? new RedisTier({ url: o.redisUrl, commandTimeoutMs: o.redisCommandTimeoutMs }) : undefined;
  const flights = new SingleFlight<{ value: Uint8Array; source: CacheSource }>();
  const registers = registry ? [registry] : [];
  const hits = new Counter({
    name: 'massgate_cache_hits_total',
    help: 'Response cache hits',
    labelNames: ['tier', 'model'],
    registers,
  });
  const misses = new Counter({
    name: 'massgate_cache_misses_total',
    help: 'Response cache misses (answer computed)',
    labelNames: ['model'],
    registers,
  });
  const shared = new Counter({
    name: 'massgate_cache_shared_total',
    help: 'Requests answered by an identical request already in flight',
    labelNames: ['model'],
    registers,
  });
  const errors = new Counter({
    name: 'massgate_cache_errors_total',
    help: 'Cache tier errors (timeouts, Redis down)',
    labelNames: ['tier'],
    registers,
  });
  const skipped = new Counter({
    name: 'massgate_cache_skipped_total',
    help: 'Answers too large to cache',
    labelNames: ['model'],
    registers,
  });
  const lookup = new Histogram({
    name: 'massgate_cache_lookup_duration_seconds',
    help: 'Cache lookup time per tier',
    labelNames: ['tier'],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers,
  });
  let redisErrorsSeen = 0;

  const countRedisErrors = () => {
    if (!redis) return;
    if (redis.errors > redisErrorsSeen) errors.inc({ tier: 'redis' }, redis.errors - redisErrorsSeen);
    redisErrorsSeen = redis.errors;
  };

  return {
    async getOrCompute(key, ttlSeconds, compute, model, own) {
      if (memory) {
        const t0 = performance.now();
        const v = memory.get(key);
        lookup.observe({ tier: 'memory' }, (performance.now() - t0) / 1000);
        if (v instanceof Uint8Array) {
          hits.inc({ tier: 'memory', model });
          return { value: v, source: 'memory' };
        }
      }
      const { promise, leader } = flights.run(
        key,
        async (signal) => {
          if (redis?.up) {
            const t0 = performance.now();
            const v = await redis.get(key);
            lookup.observe({ tier: 'redis' }, (performance.now() - t0) / 1000);
            countRedisErrors();
            if (v) {
              hits.inc({ tier: 'redis', model });
              memory?.set(key, v, ttlSeconds);
              return { value: v, source: 'redis' as const };
            }
          } else if (redis) {
            errors.inc({ tier: 'redis' });
          }
          misses.inc({ model });
          const value = await compute(signal);
          if (value.byteLength > o.maxEntryBytes) skipped.inc({ model });
          else {
            memory?.set(key, value, ttlSeconds);
            redis?.set(key, value, ttlSeconds);
          }
          return { value, source: 'computed' as const };
        },
        own,
      );
      if (!leader) shared.inc({ model });
      const r = await promise;
      return leader ? r : { value: r.value, source: 'shared' };
    },
    exact: {
      get(key, model) {
        const v = memory?.get(key);
        if (v === undefined || v instanceof Uint8Array) return undefined;
        hits.inc({ tier: 'memory', model });
        return v;
      },
      set(key, value, ttlSeconds) {
        if (value.body.byteLength <= o.maxEntryBytes) memory?.set(key, value, ttlSeconds);
      },
    },
    status() {
      countRedisErrors();
      return {
        memory: memory ? { entries: memory.size, bytes: memory.bytes, max_bytes: memory.maxBytes } : 'off',
        ...(redis ? { redis: redis.status() } : {}),
      };
    },
    async close() {
      await redis?.close();
      memory?.clear();
    },
  };
}
