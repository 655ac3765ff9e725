import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlp } from '../../tools/onnx/mlp.ts';
import { cannon, type CannonResult } from '../lib/cannon.ts';
import { inProcessCeiling } from '../lib/in-process.ts';
import { startEcho, startGateway } from '../lib/processes.ts';
import { binaryInferRequest, noise } from '../lib/requests.ts';
import type { Report, ReportRow } from '../lib/report.ts';

const INPUTS = 1024;
const INSTANCES = 2;
const CONNECTIONS = 64;

function store(model: Uint8Array, batching: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'massgate-batching-'));
  mkdirSync(join(dir, 'mlp', '1'), { recursive: true });
  writeFileSync(join(dir, 'mlp', '1', 'model.onnx'), model);
  writeFileSync(join(dir, 'mlp', 'config.json'), JSON.stringify({ instances: INSTANCES, runtimeOptions: { intraOpNumThreads: 1 }, batching }));
  return dir;
}

async function gatewayRun(label: string, dir: string, durationS: number, port: number, rows = 1, connections = CONNECTIONS): Promise<CannonResult> {
  const gw = await startGateway({ MODEL_STORE: dir }, port);
  try {
    const req = binaryInferRequest({ name: 'features', shape: [rows, INPUTS], data: noise(rows * INPUTS) }, ['probabilities']);
    const url = `${gw.url}/v2/models/mlp/infer`;
    await cannon({ label: 'warm-up', url, body: req.body, headers: req.headers, connections, durationS: 2 });
    const r = await cannon({ label, url, body: req.body, headers: req.headers, connections, durationS });
    return { ...r, reqPerSec: r.reqPerSec * rows }; // items/s
  } finally {
    await gw.stop();
  }
}

const row = (r: CannonResult, note = '', unit = 'req/s'): ReportRow => ({
  label: r.label, throughput: r.reqPerSec, unit, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99,
  note: `${r.non2xx} non-2xx, ${r.errors} errors${note ? `; ${note}` : ''}`,
});

/**
 * Issue 3's side-by-side run on one model and machine: (a) the gateway with dynamic batching, (b) the
 * same gateway with batching off, (c) the in-process ceiling (onnxruntime-node in the same worker threads,
 * best batch size, no HTTP), (d) a plain Hono JSON echo (the HTTP ceiling). The model is a wide dense
 * network (1024 → 4×4096 → 16, fixed pseudo-random weights) on which batching pays on a CPU.
 */
export async function batching(opts: { durationS: number }): Promise<Report> {
  const model = mlp({ inputs: INPUTS, hidden: 4096, layers: 4 });
  const on = store(model, { maxBatchSize: 64, maxQueueDelayMs: 5, maxQueueSize: 4096 });
  const off = store(model, { maxBatchSize: 0, maxQueueSize: 4096 });

  const ceiling = await inProcessCeiling({
    runtime: 'onnx', spec: { path: join(on, 'mlp', '1', 'model.onnx'), options: { intraOpNumThreads: 1 } },
    instances: INSTANCES, batches: [1, 8, 16, 32, 64], seconds: Math.max(2, opts.durationS / 3),
    feeds: (b) => ({ features: { name: 'features', datatype: 'FP32', shape: [b, INPUTS], data: noise(b * INPUTS) } }),
  });
  const b1 = ceiling.find((p) => p.batch === 1)!;
  const best = ceiling.reduce((a, b) => (b.itemsPerSec > a.itemsPerSec ? b : a));

  const echo = await startEcho();
  let echoRun: CannonResult;
  try {
    echoRun = await cannon({ label: '(d) Hono JSON echo', url: `${echo.url}/echo`, body: JSON.stringify({ inputs: [{ name: 'features', data: Array.from(noise(64)) }] }), connections: CONNECTIONS, durationS: opts.durationS });
  } finally {
    await echo.stop();
  }
  const a = await gatewayRun('(a) gateway, batching on', on, opts.durationS, 18081);
  const b = await gatewayRun('(b) gateway, batching off', off, opts.durationS, 18082);
  // The same gateway when each request carries 8 rows: a quarter of the HTTP work per item.
  const a8 = await gatewayRun("(a') gateway, batching on, 8-row requests, 16 connections", on, opts.durationS, 18083, 8, 16);
  // More clients in flight let both instances fill batches of 64 rows, the ceiling's best size.
  const a128 = await gatewayRun("(a'') gateway, batching on, 128 connections", on, opts.durationS, 18084, 1, 128);

  const inProcessGain = best.itemsPerSec / b1.itemsPerSec;
  const gatewayGain = a.reqPerSec / b.reqPerSec;
  return {
    scenario: 'batching',
    command: `npm run load -- batching --duration ${opts.durationS}`,
    rows: [
      row(a, 'max batch 64 rows, delay 5 ms'),
      row(b),
      row(a8, '', 'items/s'),
      row(a128),
      ...ceiling.map((p) => ({ label: `(c) in-process, batch ${p.batch}`, throughput: p.itemsPerSec, unit: 'items/s', note: p === best ? 'best' : '' })),
      row(echoRun, 'HTTP ceiling'),
    ],
    ratios: {
      'in-process gain, best batch / batch 1': inProcessGain,
      'gateway gain, batching on / off (64 connections)': gatewayGain,
      'gateway gain / in-process gain (target ≥ 0.85)': gatewayGain / inProcessGain,
      'gateway with batching / in-process ceiling (target ≥ 0.85)': a.reqPerSec / best.itemsPerSec,
      'p99 batching on / off (target ≤ 1)': a.latencyMs.p99 / b.latencyMs.p99,
      'gateway with batching / Hono echo': a.reqPerSec / echoRun.reqPerSec,
      "8-row requests (a') / in-process ceiling": a8.reqPerSec / best.itemsPerSec,
      "128 connections (a'') / in-process ceiling": a128.reqPerSec / best.itemsPerSec,
    },
    extra: { model: 'mlp 1024→4×4096→16', instances: INSTANCES, connections: CONNECTIONS, ceiling },
  };
}
