import { mlp } from '../../tools/onnx/mlp.ts';
import type { CannonResult } from '../lib/cannon.ts';
import type { RunWatch } from '../lib/processes.ts';
import type { Report, ReportRow } from '../lib/report.ts';
import { cpuSnapshot } from '../lib/threads.ts';
import { gatewayRun as cacheRun } from './cache.ts';
import { gatewayRun as batchingRun, INPUTS, store, VARIANTS, type Variant } from './batching.ts';

/**
 * Tracing off; on (`TRACING=none`: every span made, batched and dropped); on with no trace sampled (the context
 * propagation and non-recording spans alone). In a mirrored order, so that a drift of the machine over the run weighs
 * on every mode alike.
 */
const ORDER = ['off', 'on', 'unsampled', 'unsampled', 'on', 'off'] as const;
type Mode = (typeof ORDER)[number];
const ENV: Record<Mode, Record<string, string>> = {
  off: { TRACING: 'off' },
  on: { TRACING: 'none' },
  unsampled: { TRACING: 'none', OTEL_TRACES_SAMPLER: 'always_off' },
};
const TITLE: Record<Mode, string> = {
  off: 'tracing off',
  on: 'tracing on (TRACING=none)',
  unsampled: 'tracing on, nothing sampled',
};

interface Run {
  mode: Mode;
  result: CannonResult;
  /** CPU time of the gateway's HTTP thread (where every span is made) per request, in µs. */
  mainUs: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Runs `run` in ORDER. Each run is checked from one answer's `traceresponse` header (present only when tracing is on)
 * and metered: its HTTP thread's CPU time over the measured load, per request.
 */
async function inOrder(
  run: (env: Record<string, string>, label: string, watch: RunWatch) => Promise<CannonResult>,
): Promise<Run[]> {
  const runs: Run[] = [];
  for (const mode of ORDER) {
    const nth = runs.filter((r) => r.mode === mode).length + 1;
    let cpu = 0;
    const watch: RunWatch = {
      probe(answer) {
        const traced = answer.headers.get('traceresponse');
        if (!answer.ok || (traced !== null) !== (mode !== 'off') || traced?.endsWith('-01') === (mode === 'unsampled'))
          throw new Error(`${TITLE[mode]}: status ${answer.status}, traceresponse ${traced}`);
      },
      measure(pid) {
        const before = cpuSnapshot(pid).groups.main ?? 0;
        return () => (cpu = (cpuSnapshot(pid).groups.main ?? 0) - before);
      },
    };
    const result = await run(ENV[mode], `${TITLE[mode]} #${nth}`, watch);
    runs.push({ mode, result, mainUs: (cpu / Math.max(1, result.requests)) * 1e6 });
  }
  return runs;
}

const row = (what: string, r: Run, unit: string): ReportRow => ({
  label: `${what}, ${r.result.label}`,
  throughput: r.result.reqPerSec,
  unit,
  p50Ms: r.result.latencyMs.p50,
  p99Ms: r.result.latencyMs.p99,
  note: `${r.mainUs.toFixed(1)} µs HTTP-thread CPU per request; ${r.result.non2xx} non-2xx, ${r.result.errors} errors`,
});

/** Mean of the `mode` runs over mean of the "off" runs. */
const versusOff = (runs: Run[], mode: Mode, f: (r: Run) => number) =>
  mean(runs.filter((r) => r.mode === mode).map(f)) / mean(runs.filter((r) => r.mode === 'off').map(f));

/**
 * Issue 15's cost of tracing: the cache-hit path (the cache scenario's memory hit: the cheapest request, where a
 * span costs the largest share) and the batching scenario (`--variant`, default `rows`: the HTTP-bound model, where
 * per-request work shows most), each with tracing off and on side by side in one run. "On" is `TRACING=none`: every
 * span made, batched and handed to an exporter that drops it (no collector, no serialisation); "nothing sampled" adds
 * `OTEL_TRACES_SAMPLER=always_off` (what a low sampling ratio tends to). Runs go in ORDER; the ratios compare the means
 * of throughput, p99 and the HTTP thread's CPU time per request (the steadiest figure on a shared machine: it does not
 * count time spent waiting for a core).
 */
export async function tracing(opts: { durationS: number; variant?: string }): Promise<Report> {
  const name = (opts.variant ?? 'rows') as Variant;
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant '${opts.variant}' (${Object.keys(VARIANTS).join(', ')})`);

  const cache = await inOrder((env, label, watch) =>
    cacheRun(label, env, { ttlSeconds: 600 }, opts.durationS, 18095, watch),
  );
  const item = variant.tokens ? [variant.tokens, INPUTS] : [INPUTS];
  const dir = store(mlp({ inputs: INPUTS, hidden: variant.hidden, layers: variant.layers, tokens: variant.tokens }), {
    maxBatchSize: 64,
    maxQueueDelayMs: 5,
    maxQueueSize: 4096,
  });
  const batching = await inOrder((env, label, watch) =>
    batchingRun(label, dir, item, opts.durationS, 18096, 1, 64, env, watch),
  );
  const ratios = (what: string, runs: Run[]) => ({
    [`${what}: tracing on / off, throughput (target ≥ 0.95)`]: versusOff(runs, 'on', (r) => r.result.reqPerSec),
    [`${what}: tracing on / off, p99`]: versusOff(runs, 'on', (r) => r.result.latencyMs.p99),
    [`${what}: tracing on / off, HTTP-thread CPU per request`]: versusOff(runs, 'on', (r) => r.mainUs),
    [`${what}: nothing sampled / off, throughput`]: versusOff(runs, 'unsampled', (r) => r.result.reqPerSec),
    [`${what}: nothing sampled / off, HTTP-thread CPU per request`]: versusOff(runs, 'unsampled', (r) => r.mainUs),
  });
  return {
    scenario: 'tracing',
    command: `npm run load -- tracing --duration ${opts.durationS}${name === 'rows' ? '' : ` --variant ${name}`}`,
    rows: [
      ...cache.map((r) => row('cache hit (memory)', r, 'req/s')),
      ...batching.map((r) => row(`batching (${name})`, r, 'items/s')),
    ],
    ratios: { ...ratios('cache hit', cache), ...ratios(`batching (${name})`, batching) },
    extra: { model: variant.title, order: ORDER },
  };
}
