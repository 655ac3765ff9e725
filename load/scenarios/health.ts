import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convNet } from '../../tools/onnx/conv-net.ts';
import { percentile } from '../../core/percentile.ts';
import { cannon } from '../lib/cannon.ts';
import { eventLoopDelayMs } from '../lib/metrics.ts';
import { probeInChild } from '../lib/probe.ts';
import { startGateway } from '../lib/processes.ts';
import { binaryInferRequest, noise } from '../lib/requests.ts';
import type { Report } from '../lib/report.ts';

/**
 * `/v2/health/live` latency while inference saturates the machine: a conv net on 2 instances
 * (worker threads) under 32 connections, and a sequential prober on the live endpoint beside it.
 */
export async function health(opts: { durationS: number }): Promise<Report> {
  const store = mkdtempSync(join(tmpdir(), 'massgate-load-'));
  mkdirSync(join(store, 'conv', '1'), { recursive: true });
  writeFileSync(join(store, 'conv', '1', 'model.onnx'), convNet({ layers: 8, channels: 32, size: 96 }));
  writeFileSync(
    join(store, 'conv', 'config.json'),
    JSON.stringify({ instances: 2, batching: { maxBatchSize: 8, maxQueueDelayMs: 2, maxQueueSize: 1024 } }),
  );
  const gw = await startGateway({
    MODEL_STORE: store,
    ...(process.env.WORKER_NICE ? { WORKER_NICE: process.env.WORKER_NICE } : {}),
  });
  try {
    const live = `${gw.url}/v2/health/live`;
    const idle = await probeInChild(live, 3000);
    await eventLoopDelayMs(gw.url); // resets the histogram
    const req = binaryInferRequest({ name: 'input', shape: [1, 3, 96, 96], data: noise(3 * 96 * 96) }, [
      'probabilities',
    ]);
    const [load, busy] = await Promise.all([
      cannon({
        label: 'conv net infer, 32 connections',
        url: `${gw.url}/v2/models/conv/infer`,
        body: req.body,
        headers: req.headers,
        connections: 32,
        durationS: opts.durationS,
      }),
      probeInChild(live, opts.durationS * 1000 - 500),
    ]);
    const lag = await eventLoopDelayMs(gw.url);
    return {
      scenario: 'health-under-load',
      command: `npm run load -- health --duration ${opts.durationS}`,
      rows: [
        {
          label: 'infer (saturating load)',
          throughput: load.reqPerSec,
          unit: 'req/s',
          p50Ms: load.latencyMs.p50,
          p99Ms: load.latencyMs.p99,
          note: `${load.non2xx} non-2xx, ${load.errors} errors`,
        },
        {
          label: '/v2/health/live, idle',
          throughput: 1000 / (idle.reduce((a, b) => a + b, 0) / idle.length),
          unit: 'req/s (sequential)',
          p50Ms: percentile(idle, 50),
          p99Ms: percentile(idle, 99),
          note: `${idle.length} probes`,
        },
        {
          label: '/v2/health/live, under load',
          throughput: 1000 / (busy.reduce((a, b) => a + b, 0) / busy.length),
          unit: 'req/s (sequential)',
          p50Ms: percentile(busy, 50),
          p99Ms: percentile(busy, 99),
          note: `${busy.length} probes, max ${Math.max(...busy).toFixed(1)} ms`,
        },
      ],
      ratios: {
        'live p99 under load (ms)': percentile(busy, 99),
        'live p99 under load / idle': percentile(busy, 99) / percentile(idle, 99),
        "gateway event-loop delay p99 under load (ms, the server's own view)": lag.p99,
        'gateway event-loop delay max under load (ms)': lag.max,
      },
    };
  } finally {
    await gw.stop();
  }
}
