import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/errors.ts';
import { setLogLevel } from '../../core/log.ts';
import { createResponseCache } from '../cache/index.ts';
import { createMetrics } from '../metrics/index.ts';
import { MetricsHistory } from './history.ts';

setLogLevel('silent');

describe('MetricsHistory over the gateway registry', () => {
  it('turns the counters between two readings into per-model rates, percentiles, batch sizes, queue and cache figures', async () => {
    const metrics = createMetrics();
    const cache = createResponseCache({ memoryBytes: 1 << 20, maxEntryBytes: 1 << 16 }, metrics.registry);
    const history = new MetricsHistory(metrics.registry, { keep: 3 });
    let queued = 4;
    metrics.track('m', '1', () => ({ queued, running: 0, instances: 2, live: 1 }));
    metrics.observe('m', '1', 0.5); // before the first reading: not in any interval
    expect(await history.tick(0)).toBeUndefined(); // the first reading only sets the baseline

    for (let i = 0; i < 8; i++) metrics.observe('m', '1', 0.004); // 4 ms bucket: (0.0025, 0.005]
    metrics.observe('m', '2', 0.2, new GatewayError('TIMEOUT', 'late')); // another version, failed
    metrics.observe('m', '2', 0.2, new GatewayError('TIMEOUT', 'late'));
    const hooks = metrics.schedulerHooks('m', '1');
    hooks.onBatch?.(4, 4, 1);
    hooks.onBatch?.(2, 2, 1);
    const answer = async () => new Uint8Array([1]);
    await cache.getOrCompute('k', 60, answer, 'm'); // miss
    await cache.getOrCompute('k', 60, answer, 'm'); // hit
    await cache.getOrCompute('k', 60, answer, 'm'); // hit
    metrics.http('GET', '/v2', 200, 0.001);
    const s = (await history.tick(2000))!;

    expect(s.interval_s).toBe(2);
    expect(s.http_rps).toBe(0.5);
    const m = s.models.m!;
    expect(m.rps).toBe(5); // 10 requests in 2 s, over both versions
    expect(m.error_rps).toBe(1);
    expect(m.latency_ms!.p50).toBeGreaterThan(2.5);
    expect(m.latency_ms!.p50).toBeLessThanOrEqual(5);
    expect(m.latency_ms!.p99).toBeGreaterThan(100); // the two 200 ms failures
    expect(m.batch_size).toBe(3);
    expect({ queue: m.queue, instances: m.instances, live: m.live_instances }).toEqual({
      queue: 4,
      instances: 2,
      live: 1,
    });
    expect(m.cache_hit_rate).toBeCloseTo(2 / 3, 3);

    queued = 0;
    const quiet = (await history.tick(4000))!;
    expect(quiet.models.m).toMatchObject({
      rps: 0,
      latency_ms: null,
      batch_size: null,
      cache_hit_rate: null,
      queue: 0,
    });
    await history.tick(6000);
    await history.tick(8000);
    expect(history.samples().map((x) => x.t)).toEqual([4000, 6000, 8000]); // the oldest went
    await cache.close();
  });

  it('hands each new sample to its subscribers until they stop listening', async () => {
    const metrics = createMetrics();
    const history = new MetricsHistory(metrics.registry);
    const heard: number[] = [];
    const off = history.subscribe((s) => heard.push(s.t));
    await history.tick(0);
    await history.tick(2000);
    off();
    await history.tick(4000);
    expect(heard).toEqual([2000]);
  });
});
