import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlp } from '../../tools/onnx/mlp.ts';
import { cannon, type CannonResult } from '../lib/cannon.ts';
import { batchCounters } from '../lib/metrics.ts';
import { curves } from '../lib/curves.ts';
import { startGateway } from '../lib/processes.ts';
import { noise } from '../lib/requests.ts';
import type { Report, ReportRow } from '../lib/report.ts';

const INPUTS = 1024;
/** One row of 1,024 floats as JSON, the same for every request. */
const BODY = JSON.stringify({
  inputs: [{ name: 'features', datatype: 'FP32', shape: [1, INPUTS], data: Array.from(noise(INPUTS)) }],
});
const CONNECTIONS = [1, 4, 16, 64] as const;
/** The models: one whose run costs little beside HTTP, and the batching scenario's `--variant rows` MLP. */
const MODELS = {
  small: { hidden: 64, layers: 1, title: '1024 → 64 → 16 (HTTP-bound)' },
  wide: { hidden: 4096, layers: 4, title: '1024 → 4×4096 → 16 (the batching scenario’s --variant rows)' },
} as const;
/** Batching off, the fixed 5 ms hold (the batching scenario's), and the adaptive delay bounded by the same 5 ms. */
const MODES = {
  off: { maxBatchSize: 0, maxQueueSize: 4096 },
  fixed: { maxBatchSize: 64, maxQueueDelayMs: 5, queueDelay: 'fixed', maxQueueSize: 4096 },
  adaptive: { maxBatchSize: 64, maxQueueDelayMs: 5, queueDelay: 'adaptive', maxQueueSize: 4096 },
} as const;
type Mode = keyof typeof MODES;

function store(model: Uint8Array, batching: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'massgate-latency-'));
  mkdirSync(join(dir, 'mlp', '1'), { recursive: true });
  writeFileSync(join(dir, 'mlp', '1', 'model.onnx'), model);
  // One instance with an intra-op thread per core, as in the batching scenario.
  writeFileSync(
    join(dir, 'mlp', 'config.json'),
    JSON.stringify({ instances: 1, runtimeOptions: { intraOpNumThreads: 2 }, batching }),
  );
  return dir;
}

/** A cell: two halves run in mirrored order across the modes, joined (requests over time; p99 the worse half's). */
interface Cell {
  reqPerSec: number;
  /** Closed-loop mean latency by Little's law, connections / throughput: autocannon's own is in whole ms. */
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  /** Mean rows per batch run, and mean time a request waited in the queue (ms), over both halves. */
  batch: number;
  queueMs: number;
}

/** A half of a cell: autocannon's result and the gateway's batch counters over it. */
interface Half {
  run: CannonResult;
  batches: number;
  rows: number;
  dequeued: number;
  queueS: number;
}

async function half(url: string, label: string, connections: number, durationS: number): Promise<Half> {
  const base = url.slice(0, url.indexOf('/v2/'));
  const before = await batchCounters(base, 'mlp');
  const run = await cannon({ label, url, body: BODY, connections, durationS });
  const after = await batchCounters(base, 'mlp');
  return {
    run,
    batches: after.batches - before.batches,
    rows: after.rows - before.rows,
    dequeued: after.dequeued - before.dequeued,
    queueS: after.queueS - before.queueS,
  };
}

function join2(h1: Half, h2: Half): Cell {
  const [a, b] = [h1.run, h2.run];
  const reqPerSec = (a.requests + b.requests) / (a.durationS + b.durationS);
  return {
    reqPerSec,
    meanMs: (1000 * a.connections) / reqPerSec,
    p50Ms: (a.latencyMs.p50 + b.latencyMs.p50) / 2,
    p99Ms: Math.max(a.latencyMs.p99, b.latencyMs.p99),
    failures: a.non2xx + a.errors + b.non2xx + b.errors,
    batch: (h1.rows + h2.rows) / Math.max(1, h1.batches + h2.batches),
    queueMs: (1000 * (h1.queueS + h2.queueS)) / Math.max(1, h1.dequeued + h2.dequeued),
  };
}

/**
 * One model: a gateway per mode, started side by side, each warmed up at 64 connections; then for each
 * connection count every mode runs half the duration, then again in reverse order, so that the host's load
 * drifting during the run weighs on every mode alike.
 */
async function cells(model: Uint8Array, durationS: number, port: number): Promise<Record<Mode, Cell[]>> {
  const modes = Object.keys(MODES) as Mode[];
  const gws = await Promise.all(modes.map((m, i) => startGateway({ MODEL_STORE: store(model, MODES[m]) }, port + i)));
  try {
    const urls = gws.map((g) => `${g.url}/v2/models/mlp/infer`);
    for (const url of urls) await cannon({ label: 'warm-up', url, body: BODY, connections: 64, durationS: 3 });
    const out = Object.fromEntries(modes.map((m) => [m, [] as Cell[]])) as Record<Mode, Cell[]>;
    const halfS = durationS / 2;
    // 64 connections (the warm-up) right before 1: the adaptive delay must follow the drop within the cell.
    for (const connections of CONNECTIONS) {
      const first: Half[] = [];
      for (let i = 0; i < modes.length; i++) first.push(await half(urls[i]!, modes[i]!, connections, halfS));
      for (let i = modes.length - 1; i >= 0; i--) {
        const second = await half(urls[i]!, modes[i]!, connections, halfS);
        out[modes[i]!].push(join2(first[i]!, second));
      }
    }
    return out;
  } finally {
    await Promise.all(gws.map((g) => g.stop()));
  }
}

/**
 * Issue 16's latency scenario: one-row JSON requests to a small and a wide MLP at 1, 4, 16 and 64
 * connections, with batching off, a fixed 5 ms queue delay and the adaptive delay (bounded by 5 ms). The
 * targets: at 1 connection the adaptive delay's mean latency within 1.2× batching off's, at 64 connections
 * its throughput at least 0.95× the fixed delay's.
 */
export async function latency(opts: { durationS: number }): Promise<Report> {
  const rows: ReportRow[] = [];
  const ratios: Record<string, number> = {};
  const table: Record<string, Record<Mode, Cell[]>> = {};
  let port = 18100;
  for (const [name, m] of Object.entries(MODELS)) {
    const runs = await cells(mlp({ inputs: INPUTS, hidden: m.hidden, layers: m.layers }), opts.durationS, port);
    port += 3;
    table[name] = runs;
    CONNECTIONS.forEach((c, i) => {
      for (const mode of Object.keys(MODES) as Mode[]) {
        const r = runs[mode][i]!;
        rows.push({
          label: `${name}, ${c} conn., ${mode}`,
          throughput: r.reqPerSec,
          unit: 'req/s',
          p50Ms: r.p50Ms,
          p99Ms: r.p99Ms,
          note:
            `mean ${r.meanMs.toFixed(2)} ms; batch ${r.batch.toFixed(1)} rows, queue ${r.queueMs.toFixed(2)} ms` +
            (r.failures ? `; ${r.failures} failed` : ''),
        });
      }
    });
    const at = (mode: Mode, c: number) => runs[mode][CONNECTIONS.indexOf(c as (typeof CONNECTIONS)[number])]!;
    ratios[`${name}: 1 conn. mean latency, adaptive / off (target ≤ 1.2)`] =
      at('adaptive', 1).meanMs / at('off', 1).meanMs;
    ratios[`${name}: 1 conn. mean latency, fixed / off`] = at('fixed', 1).meanMs / at('off', 1).meanMs;
    ratios[`${name}: 64 conn. throughput, adaptive / fixed (target ≥ 0.95)`] =
      at('adaptive', 64).reqPerSec / at('fixed', 64).reqPerSec;
    ratios[`${name}: 64 conn. throughput, off / fixed`] = at('off', 64).reqPerSec / at('fixed', 64).reqPerSec;
  }
  return {
    scenario: 'latency',
    command: `npm run load -- latency --duration ${opts.durationS}`,
    rows,
    ratios,
    charts: {
      curves: curves({
        title: 'Mean latency (ms, log scale): batching off, fixed 5 ms delay, adaptive',
        x: CONNECTIONS.map(String),
        xTitle: 'connections (closed loop)',
        panels: Object.entries(table).map(([name, runs]) => ({
          title: `${name}: ${MODELS[name as keyof typeof MODELS].title}`,
          series: Object.fromEntries(Object.entries(runs).map(([mode, rs]) => [mode, rs.map((r) => r.meanMs)])),
        })),
      }),
    },
    extra: {
      models: Object.fromEntries(Object.entries(MODELS).map(([k, v]) => [k, v.title])),
      modes: MODES,
      layout: { instances: 1, threads: 2 },
      meanMs: Object.fromEntries(
        Object.entries(table).map(([k, runs]) => [
          k,
          Object.fromEntries(Object.entries(runs).map(([mode, rs]) => [mode, rs.map((r) => r.meanMs)])),
        ]),
      ),
    },
  };
}
