import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Registry } from 'prom-client';
import type { Tensor } from '../../core/tensor.ts';
import { setLogLevel } from '../../core/log.ts';
import { startRedis, freePort, type RedisServer } from '../../test/support/redis.ts';
import { ByteLru } from './lru.ts';
import { cacheKey, createResponseCache } from './index.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const x = (shape: number[], data: number[], datatype: 'FP32' | 'INT32' = 'FP32'): Tensor =>
  ({
    name: 'x',
    datatype,
    shape,
    data: datatype === 'FP32' ? Float32Array.from(data) : Int32Array.from(data),
  }) as Tensor;

describe('cache key', () => {
  const base = { model: 'm', version: 1, inputs: { x: x([2, 3], [1, 2, 3, 4, 5, 6]) } };
  it('is stable and namespaced by model and version', () => {
    expect(cacheKey(base)).toBe(cacheKey({ ...base, inputs: { x: x([2, 3], [1, 2, 3, 4, 5, 6]) } }));
    expect(cacheKey(base)).toMatch(/^massgate:v1:m:1:[0-9a-f]{64}$/);
    expect(cacheKey({ ...base, version: 2 })).not.toBe(cacheKey(base));
  });
  it('covers shape and datatype, not only bytes (unlike Triton)', () => {
    expect(cacheKey({ ...base, inputs: { x: x([3, 2], [1, 2, 3, 4, 5, 6]) } })).not.toBe(cacheKey(base));
    const f = new Float32Array([1, 2, 3, 4, 5, 6]);
    const asInt: Tensor = { name: 'x', datatype: 'INT32', shape: [2, 3], data: new Int32Array(f.buffer) };
    expect(cacheKey({ ...base, inputs: { x: asInt } })).not.toBe(cacheKey(base));
  });
  it('covers requested outputs, their parameters and output-changing request parameters, in any order', () => {
    const o1 = cacheKey({ ...base, outputs: [{ name: 'a' }, { name: 'b', parameters: { classification: 2 } }] });
    const o2 = cacheKey({ ...base, outputs: [{ name: 'b', parameters: { classification: 2 } }, { name: 'a' }] });
    expect(o1).toBe(o2);
    expect(cacheKey({ ...base, outputs: [{ name: 'a' }, { name: 'b', parameters: { classification: 3 } }] })).not.toBe(
      o1,
    );
    expect(cacheKey({ ...base, outputs: [{ name: 'a' }] })).not.toBe(o1);
    expect(cacheKey({ ...base, parameters: { top_k: 1 } })).not.toBe(cacheKey({ ...base, parameters: { top_k: 2 } }));
    expect(cacheKey({ ...base, parameters: { a: 1, b: 2 } })).toBe(cacheKey({ ...base, parameters: { b: 2, a: 1 } }));
  });
  it('length-prefixes BYTES elements: ["ab","c"] ≠ ["a","bc"]', () => {
    const t = (els: string[]): Tensor => ({ name: 's', datatype: 'BYTES', shape: [els.length], data: els.map(bytes) });
    expect(cacheKey({ model: 'm', version: 1, inputs: { s: t(['ab', 'c']) } })).not.toBe(
      cacheKey({ model: 'm', version: 1, inputs: { s: t(['a', 'bc']) } }),
    );
  });
});

describe('byte-bounded LRU', () => {
  it('evicts the least recently used entries to stay under its byte bound', () => {
    const lru = new ByteLru(3 * (100 + 2 + 64));
    lru.set('a', new Uint8Array(100), 60);
    lru.set('b', new Uint8Array(100), 60);
    lru.set('c', new Uint8Array(100), 60);
    expect(lru.get('a')).toBeDefined(); // a is now the most recent
    lru.set('d', new Uint8Array(100), 60);
    expect(lru.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].every((k) => lru.get(k))).toBe(true);
    expect(lru.bytes).toBeLessThanOrEqual(lru.maxBytes);
  });
  it('honours TTLs and skips entries larger than the whole cache', () => {
    let now = 0;
    const lru = new ByteLru(1000, () => now);
    lru.set('k', new Uint8Array(10), 5);
    now = 4999;
    expect(lru.get('k')).toBeDefined();
    now = 5000;
    expect(lru.get('k')).toBeUndefined();
    expect(lru.set('big', new Uint8Array(2000), 5)).toBe(false);
    expect(lru.bytes).toBe(0);
  });
});

describe('response cache', () => {
  it('single-flight: concurrent identical requests cause one compute', async () => {
    const cache = createResponseCache({ memoryBytes: 1 << 20, maxEntryBytes: 1 << 16 });
    let computes = 0;
    let finish = () => {};
    const held = new Promise<void>((r) => (finish = r));
    const compute = async () => {
      computes++;
      await held; // the first compute is still running when the other nine arrive
      return bytes('answer');
    };
    const pending = Array.from({ length: 10 }, () => cache.getOrCompute('k', 60, compute, 'm'));
    finish();
    const results = await Promise.all(pending);
    expect(computes).toBe(1);
    expect(results.map((r) => r.source).sort()).toEqual(['computed', ...Array(9).fill('shared')]);
    expect((await cache.getOrCompute('k', 60, compute, 'm')).source).toBe('memory');
    await cache.close();
  });

  it('never caches errors, and skips oversized answers', async () => {
    const registry = new Registry();
    const cache = createResponseCache({ memoryBytes: 1 << 20, maxEntryBytes: 8 }, registry);
    await expect(
      cache.getOrCompute(
        'e',
        60,
        async () => {
          throw new Error('bad input');
        },
        'm',
      ),
    ).rejects.toThrow('bad input');
    expect((await cache.getOrCompute('e', 60, async () => bytes('ok'), 'm')).source).toBe('computed');
    expect((await cache.getOrCompute('big', 60, async () => bytes('0123456789'), 'm')).source).toBe('computed');
    expect((await cache.getOrCompute('big', 60, async () => bytes('0123456789'), 'm')).source).toBe('computed');
    expect(await registry.metrics()).toMatch(/massgate_cache_skipped_total\{model="m"\} 2/);
    await cache.close();
  });
});

describe('response cache with a real Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    setLogLevel('silent');
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    setLogLevel('info');
  });

  it('second tier: a fresh process (empty memory) hits Redis, then its own memory', async () => {
    const a = createResponseCache({ memoryBytes: 1 << 20, maxEntryBytes: 1 << 16, redisUrl: redis.url });
    const b = createResponseCache({ memoryBytes: 1 << 20, maxEntryBytes: 1 << 16, redisUrl: redis.url });
    await vi.waitFor(() => expect(a.status().redis).toMatchObject({ state: 'up' }));
    await vi.waitFor(() => expect(b.status().redis).toMatchObject({ state: 'up' }));
    expect((await a.getOrCompute('two-tier', 60, async () => bytes('v'), 'm')).source).toBe('computed');
    await vi.waitFor(async () =>
      expect((await b.getOrCompute('two-tier', 60, async () => bytes('other'), 'm')).source).toBe('redis'),
    );
    const again = await b.getOrCompute('two-tier', 60, async () => bytes('other'), 'm');
    expect([again.source, new TextDecoder().decode(again.value)]).toEqual(['memory', 'v']);
    await a.close();
    await b.close();
  });

  it('keeps answering while Redis is killed, and uses it again once it is back', async () => {
    const registry = new Registry();
    const cache = createResponseCache({ memoryBytes: 0, maxEntryBytes: 1 << 16, redisUrl: redis.url }, registry);
    await vi.waitFor(() => expect(cache.status().redis).toMatchObject({ state: 'up' }));
    let n = 0;
    const compute = async () => bytes(`v${n++}`);
    expect((await cache.getOrCompute('outage', 60, compute, 'm')).source).toBe('computed');
    await vi.waitFor(async () => expect((await cache.getOrCompute('outage', 60, compute, 'm')).source).toBe('redis'));

    await redis.kill();
    await vi.waitFor(() => expect(cache.status().redis).toMatchObject({ state: 'down' }));
    for (let i = 0; i < 30; i++)
      expect((await cache.getOrCompute(`outage-${i}`, 60, compute, 'm')).source).toBe('computed');

    await redis.restart();
    await vi.waitFor(() => expect(cache.status().redis).toMatchObject({ state: 'up' }), { timeout: 5000 });
    expect((await cache.getOrCompute('after', 60, compute, 'm')).source).toBe('computed');
    await vi.waitFor(async () => expect((await cache.getOrCompute('after', 60, compute, 'm')).source).toBe('redis'));
    expect(await registry.metrics()).toMatch(/massgate_cache_hits_total\{tier="redis",model="m"\} [2-9]/);
    await cache.close();
  });

  it('answers every request while Redis hangs: the command timeout gives up on it, nothing waits for it', async () => {
    const cache = createResponseCache({ memoryBytes: 0, maxEntryBytes: 1 << 16, redisUrl: redis.url });
    await vi.waitFor(() => expect(cache.status().redis).toMatchObject({ state: 'up' }));
    redis.pause(); // connected, silent: without the timeout each lookup would wait forever
    try {
      for (let i = 0; i < 5; i++)
        expect((await cache.getOrCompute(`hung-${i}`, 60, async () => bytes('x'), 'm')).source).toBe('computed');
    } finally {
      redis.resume();
    }
    await cache.close();
  });

  it('logs one line when an outage starts and one when it ends, not one per request', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    setLogLevel('info');
    try {
      const cache = createResponseCache({ memoryBytes: 0, maxEntryBytes: 1 << 16, redisUrl: redis.url });
      await vi.waitFor(() => expect(cache.status().redis).toMatchObject({ state: 'up' }));
      await redis.kill();
      for (let i = 0; i < 20; i++) await cache.getOrCompute(`log-${i}`, 60, async () => bytes('x'), 'm');
      await redis.dropConnections(3); // three reconnection attempts fail meanwhile
      await redis.restart();
      await vi.waitFor(() => expect(cache.status().redis).toMatchObject({ state: 'up' }), { timeout: 5000 });
      await cache.close();
    } finally {
      setLogLevel('silent');
      spy.mockRestore();
    }
    expect(lines.filter((l) => l.includes('redis cache unreachable'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('"recovered":true'))).toHaveLength(1);
  });

  it('starts without waiting for Redis when it is absent, and serves uncached', async () => {
    const port = await freePort();
    // Construction is synchronous and the first request is answered without a connection: nothing
    // queues for a Redis that never comes (a queued command would never settle).
    const cache = createResponseCache({
      memoryBytes: 0,
      maxEntryBytes: 1 << 16,
      redisUrl: `redis://127.0.0.1:${port}`,
    });
    const r = await cache.getOrCompute('absent', 60, async () => bytes('x'), 'm');
    expect(r.source).toBe('computed');
    expect(cache.status().redis).not.toMatchObject({ state: 'up' });
    await cache.close();
  });
});
