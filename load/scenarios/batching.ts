import { linkSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlp } from '../../tools/onnx/mlp.ts';
import { cannon, type CannonResult } from '../lib/cannon.ts';
import { inProcessCeiling } from '../lib/in-process.ts';
import { startEcho, startGateway, type RunWatch } from '../lib/processes.ts';
import { binaryInferRequest, noise } from '../lib/requests.ts';
import { cpuSnapshot } from '../lib/threads.ts';
import type { Report, ReportRow } from '../lib/report.ts';

export const INPUTS = 1024;
const CONNECTIONS = 64;
/**
 * One instance with an intra-op thread per core: 64 connections can then fill a batch of 64, the size the
 * ceiling is measured at. Two single-threaded instances run as fast per batch size, but 64 connections
 * over two instances cap each batch at 32 (row (a'') shows that layout).
 */
const LAYOUT = { instances: 1, threads: 2 };
const PIPELINED = { instances: 2, threads: 1 };
type Layout = typeof LAYOUT;

/** The models the scenario can run on (`--variant`). */
export const VARIANTS = {
  /**
   * A token classifier over 2-token windows, 1024 → 3 × 8192 → 16 per token (570 MB of weights): at
   * batch 1 each layer streams its whole weight matrix for two rows, so batching gains 4–10× on the CPUs
   * measured (it depends on their memory bandwidth), and an item costs enough compute that the HTTP side
   * takes a small share of the machine.
   */
  windows: { tokens: 2, hidden: 8192, layers: 3, title: 'dense token classifier, 2-token windows, 1024 → 3×8192 → 16' },
  /**
   * One row per item, 1024 → 4 × 4096 → 16: batching gains 10–14× on the CPUs measured, and the best
   * batches run at 1,300–2,900 items/s, where the HTTP side (and the load generator on the same 2 cores)
   * costs a large share.
   */
  rows: { tokens: undefined, hidden: 4096, layers: 4, title: 'dense classifier, one row per item, 1024 → 4×4096 → 16' },
} as const;
export type Variant = keyof typeof VARIANTS;

/** A store holding the scenario's model (written, or linked from `modelFile`) with `batching` and `layout`. */
export function store(
  modelFile: string | Uint8Array,
  batching: Record<string, unknown>,
  layout: Layout = LAYOUT,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'massgate-batching-'));
  mkdirSync(join(dir, 'mlp', '1'), { recursive: true });
  // The second store links the first one's file rather than writing hundreds of MB again.
  if (typeof modelFile === 'string') linkSync(modelFile, join(dir, 'mlp', '1', 'model.onnx'));
  else writeFileSync(join(dir, 'mlp', '1', 'model.onnx'), modelFile);
  writeFileSync(
    join(dir, 'mlp', 'config.json'),
    JSON.stringify({ instances: layout.instances, runtimeOptions: { intraOpNumThreads: layout.threads }, batching }),
  );
  return dir;
}

/**
 * One gateway run over the store `dir`: 4 s of warm-up, then `durationS` of requests of `rows` items each, binary
 * (the binary tensor extension) or JSON `data`; throughput in items/s. `env` is added to the gateway's environment;
 * the run is under `watch`.
 */
export async function gatewayRun(
  label: string,
  dir: string,
  item: number[],
  durationS: number,
  port: number,
  rows = 1,
  connections = CONNECTIONS,
  env: Record<string, string> = {},
  watch: RunWatch = {},
  format: 'binary' | 'json' = 'binary',
): Promise<CannonResult> {
  const gw = await startGateway({ MODEL_STORE: dir, ...env }, port);
  try {
    const size = item.reduce((a, b) => a * b, 1);
    const input = { name: 'features', shape: [rows, ...item], data: noise(rows * size) };
    const req =
      format === 'binary'
        ? binaryInferRequest(input, ['probabilities'])
        : {
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: [{ ...input, datatype: 'FP32', data: Array.from(input.data) }] }),
          };
    const url = `${gw.url}/v2/models/mlp/infer`;
    if (watch.probe)
      watch.probe(
        await fetch(url, {
          method: 'POST',
          headers: req.headers,
          body: typeof req.body === 'string' ? req.body : Uint8Array.from(req.body),
        }),
      );
    // Long enough for the JIT to settle: compiler threads compete with inference for the 2 cores.
    await cannon({ label: 'warm-up', url, body: req.body, headers: req.headers, connections, durationS: 4 });
    const done = watch.measure?.(gw.pid);
    const r = await cannon({ label, url, body: req.body, headers: req.headers, connections, durationS });
    done?.();
    return { ...r, reqPerSec: r.reqPerSec * rows }; // items/s
  } finally {
    await gw.stop();
  }
}

const row = (r: CannonResult, note = '', unit = 'req/s'): ReportRow => ({
  label: r.label,
  throughput: r.reqPerSec,
  unit,
  p50Ms: r.latencyMs.p50,
  p99Ms: r.latencyMs.p99,
  note: `${r.non2xx} non-2xx, ${r.errors} errors${note ? `; ${note}` : ''}`,
});

/**
 * Issue 3's side-by-side run on one model and machine: (a) the gateway with dynamic batching, (b) the
 * same gateway with batching off, (c) the in-process ceiling (onnxruntime-node in the same worker threads,
 * best batch size, no HTTP), (d) a plain Hono JSON echo (the HTTP ceiling). The model is a wide dense
 * network with fixed pseudo-random weights (see VARIANTS) on which batching pays on a CPU.
 */
export async function batching(opts: { durationS: number; variant?: string }): Promise<Report> {
  const name = (opts.variant ?? 'windows') as Variant;
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant '${opts.variant}' (${Object.keys(VARIANTS).join(', ')})`);
  const item = variant.tokens ? [variant.tokens, INPUTS] : [INPUTS];
  const size = item.reduce((a, b) => a * b, 1);
  const batchingOn = { maxBatchSize: 64, maxQueueDelayMs: 5, maxQueueSize: 4096 };
  const on = store(
    mlp({ inputs: INPUTS, hidden: variant.hidden, layers: variant.layers, tokens: variant.tokens }),
    batchingOn,
  );
  const modelFile = join(on, 'mlp', '1', 'model.onnx');
  const off = store(modelFile, { maxBatchSize: 0, maxQueueSize: 4096 });
  const pipelined = store(modelFile, batchingOn, PIPELINED);

  const ceiling = await inProcessCeiling({
    runtime: 'onnx',
    spec: { path: modelFile, options: { intraOpNumThreads: LAYOUT.threads } },
    instances: LAYOUT.instances,
    batches: [1, 8, 16, 32, 64],
    seconds: Math.max(2, opts.durationS / 3),
    warmUpSeconds: 4,
    feeds: (b) => ({ features: { name: 'features', datatype: 'FP32', shape: [b, ...item], data: noise(b * size) } }),
  });
  const b1 = ceiling.find((p) => p.batch === 1)!;
  const best = ceiling.reduce((a, b) => (b.itemsPerSec > a.itemsPerSec ? b : a));

  const echo = await startEcho();
  let echoRun: CannonResult;
  try {
    echoRun = await cannon({
      label: '(d) Hono JSON echo',
      url: `${echo.url}/echo`,
      body: JSON.stringify({ inputs: [{ name: 'features', data: Array.from(noise(64)) }] }),
      connections: CONNECTIONS,
      durationS: opts.durationS,
    });
  } finally {
    await echo.stop();
  }
  // Main-thread (HTTP) CPU seconds per request of the measured load, binary and JSON bodies.
  const cpu = { binary: 0, json: 0 };
  const mainCpu = (format: keyof typeof cpu): RunWatch => ({
    measure(pid) {
      const before = cpuSnapshot(pid).groups.main ?? 0;
      return () => {
        cpu[format] = (cpuSnapshot(pid).groups.main ?? 0) - before;
      };
    },
  });
  const a = await gatewayRun(
    '(a) gateway, batching on',
    on,
    item,
    opts.durationS,
    18081,
    1,
    CONNECTIONS,
    {},
    mainCpu('binary'),
  );
  const aJson = await gatewayRun(
    '(a-json) gateway, batching on, JSON bodies',
    on,
    item,
    opts.durationS,
    18085,
    1,
    CONNECTIONS,
    {},
    mainCpu('json'),
    'json',
  );
  const cpuUs = (format: keyof typeof cpu, r: CannonResult) => (1e6 * cpu[format]) / Math.max(1, r.requests);
  const b = await gatewayRun('(b) gateway, batching off', off, item, opts.durationS, 18082);
  // The same gateway when each request carries 8 items: an eighth of the HTTP work per item.
  const a8 = await gatewayRun(
    "(a') gateway, batching on, 8-item requests, 16 connections",
    on,
    item,
    opts.durationS,
    18083,
    8,
    16,
  );
  // Two single-threaded instances that take batches as they free up: batches of at most 32 items each.
  const a2 = await gatewayRun(
    "(a'') gateway, batching on, 2 instances × 1 thread",
    pipelined,
    item,
    opts.durationS,
    18084,
  );

  const inProcessGain = best.itemsPerSec / b1.itemsPerSec;
  const gatewayGain = a.reqPerSec / b.reqPerSec;
  const suffix = name === 'windows' ? '' : ` --variant ${name}`;
  return {
    scenario: name === 'windows' ? 'batching' : `batching-${name}`,
    command: `npm run load -- batching --duration ${opts.durationS}${suffix}`,
    rows: [
      row(
        a,
        `max batch 64 items, delay 5 ms; 1 instance × 2 threads; ${cpuUs('binary', a).toFixed(0)} µs HTTP-thread CPU/req`,
      ),
      row(aJson, `${cpuUs('json', aJson).toFixed(0)} µs HTTP-thread CPU/req`),
      row(b),
      row(a8, '', 'items/s'),
      row(a2),
      ...ceiling.map((p) => ({
        label: `(c) in-process, batch ${p.batch} (${LAYOUT.instances} instance × ${LAYOUT.threads} threads)`,
        throughput: p.itemsPerSec,
        unit: 'items/s',
        note: p === best ? 'best' : '',
      })),
      row(echoRun, 'HTTP ceiling'),
    ],
    ratios: {
      'in-process gain, best batch / batch 1': inProcessGain,
      'gateway gain, batching on / off (64 connections)': gatewayGain,
      'gateway gain / in-process gain (target ≥ 0.85)': gatewayGain / inProcessGain,
      // Below 1 when per-request overhead slows the unbatched gateway: that flatters the gain ratio above.
      'gateway batching off / in-process batch 1': b.reqPerSec / b1.itemsPerSec,
      'gateway with batching / in-process ceiling (target ≥ 0.85)': a.reqPerSec / best.itemsPerSec,
      'JSON bodies: gateway with batching / in-process ceiling (target ≥ 0.75)': aJson.reqPerSec / best.itemsPerSec,
      'HTTP-thread CPU per request, binary bodies (µs)': cpuUs('binary', a),
      'HTTP-thread CPU per request, JSON bodies (µs)': cpuUs('json', aJson),
      'p99 batching on / off (target ≤ 1)': a.latencyMs.p99 / b.latencyMs.p99,
      'gateway with batching / Hono echo': a.reqPerSec / echoRun.reqPerSec,
      "8-item requests (a') / in-process ceiling": a8.reqPerSec / best.itemsPerSec,
      "2 instances × 1 thread (a'') / in-process ceiling": a2.reqPerSec / best.itemsPerSec,
    },
    extra: { model: variant.title, variant: name, layout: LAYOUT, connections: CONNECTIONS, ceiling },
  };
}
