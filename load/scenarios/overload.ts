import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slowClassifier } from '../../test/support/tiny-models.ts';
import { percentile } from '../../core/percentile.ts';
import { cannon } from '../lib/cannon.ts';
import { probeInChild } from '../lib/probe.ts';
import { startGateway } from '../lib/processes.ts';
import type { Report, ReportRow } from '../lib/report.ts';

const softmax = (x: number[]) => {
  const e = x.map((v) => Math.exp(v - Math.max(...x)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

interface Tally {
  ok: number;
  refused: number;
  other: number;
  mixedUp: number;
  okMs: number[];
  refusedMs: number[];
}

/** `connections` closed loops for `seconds`, each request unique and its answer checked against its own input. */
async function drive(url: string, connections: number, seconds: number): Promise<Tally> {
  const t: Tally = { ok: 0, refused: 0, other: 0, mixedUp: 0, okMs: [], refusedMs: [] };
  const until = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        const i = n++;
        const x = [(i % 97) / 10, (i % 13) / 3, -(i % 7) / 4];
        const t0 = performance.now();
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: String(i), inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: x }] }),
        });
        const body = (await res.json()) as { id?: string; outputs?: Array<{ data: number[] }> };
        const ms = performance.now() - t0;
        if (res.status === 200) {
          t.ok++;
          t.okMs.push(ms);
          const want = softmax(x);
          if (body.id !== String(i) || body.outputs![0]!.data.some((p, k) => Math.abs(p - want[k]!) > 1e-4))
            t.mixedUp++;
        } else if (res.status === 429 || res.status === 503) {
          t.refused++;
          t.refusedMs.push(ms);
        } else t.other++;
      }
    }),
  );
  return t;
}

const row = (label: string, t: Tally, seconds: number): ReportRow => ({
  label,
  throughput: t.ok / seconds,
  unit: 'answered/s',
  p50Ms: percentile(t.okMs, 50),
  p99Ms: percentile(t.okMs, 99),
  note: `${t.refused} refused (p50 ${percentile(t.refusedMs, 50).toFixed(1)} ms, p99 ${percentile(t.refusedMs, 99).toFixed(1)} ms), ${t.other} other errors, ${t.mixedUp} wrong answers`,
});

/** QUEUE_FULL answers' duration on the server (routing to response), from the request histogram. */
function serverRefusalMs(metrics: string): { p99: number; mean: number } {
  const series = (suffix: string) => [
    ...metrics.matchAll(
      new RegExp(
        `massgate_inference_request_duration_seconds_${suffix}\\{([^}]*outcome="QUEUE_FULL"[^}]*)\\} ([0-9.e+-]+)`,
        'g',
      ),
    ),
  ];
  const buckets = series('bucket').map((m) => ({
    le: Number(/le="([^"]+)"/.exec(m[1]!)?.[1] === '+Inf' ? Infinity : /le="([^"]+)"/.exec(m[1]!)?.[1]),
    count: Number(m[2]),
  }));
  const total = Number(series('count')[0]?.[2] ?? 0);
  const sum = Number(series('sum')[0]?.[2] ?? 0);
  const p99 = buckets.sort((a, b) => a.le - b.le).find((b) => b.count >= 0.99 * total)?.le ?? NaN;
  return { p99: p99 * 1000, mean: total ? (sum / total) * 1000 : NaN };
}

/**
 * Issue 3's capacity check: a slow model (12 wide dense layers) with a bounded queue, driven first below
 * capacity (4 connections), then far above it (256). Every request is unique and every answer is checked
 * against its own input: refused ones must be refused fast, accepted ones never lost or mixed up.
 */
export async function overload(opts: { durationS: number }): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'massgate-overload-'));
  mkdirSync(join(dir, 'slow', '1'), { recursive: true });
  writeFileSync(join(dir, 'slow', '1', 'model.onnx'), slowClassifier());
  writeFileSync(
    join(dir, 'slow', 'config.json'),
    JSON.stringify({
      instances: 2,
      runtimeOptions: { intraOpNumThreads: 1 },
      batching: { maxBatchSize: 8, maxQueueDelayMs: 2, maxQueueSize: 32 },
    }),
  );
  const gw = await startGateway({ MODEL_STORE: dir }, 18096);
  try {
    const url = `${gw.url}/v2/models/slow/infer`;
    await drive(url, 4, 2);
    const below = await drive(url, 4, opts.durationS);
    const above = await drive(url, 256, opts.durationS);
    const server = serverRefusalMs(await (await fetch(`${gw.url}/metrics`)).text());
    // Issue 11's defect 10: a refusal storm (512 connections that retry at once, ignoring Retry-After)
    // with a kubelet-like prober on the liveness endpoint beside it.
    // autocannon sends the next request the moment an answer arrives: the fastest possible retry loop.
    const [storm, live] = await Promise.all([
      cannon({
        label: 'refusal storm',
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] }),
        connections: 512,
        durationS: opts.durationS,
      }),
      probeInChild(`${gw.url}/v2/health/live`, opts.durationS * 1000 - 500),
    ]);
    return {
      scenario: 'overload',
      command: `npm run load -- overload --duration ${opts.durationS}`,
      rows: [
        row('below capacity, 4 connections', below, opts.durationS),
        row('above capacity, 256 connections, queue 32', above, opts.durationS),
        {
          label: 'refusal storm, 512 connections (autocannon)',
          throughput: storm.reqPerSec,
          unit: 'req/s',
          p50Ms: storm.latencyMs.p50,
          p99Ms: storm.latencyMs.p99,
          note: `statuses ${JSON.stringify(storm.statusCodes)}, ${storm.errors} errors, ${storm.timeouts} timeouts`,
        },
        {
          label: '/v2/health/live during the storm',
          throughput: 1000 / (live.reduce((a, b) => a + b, 0) / live.length),
          unit: 'req/s (sequential)',
          p50Ms: percentile(live, 50),
          p99Ms: percentile(live, 99),
          note: `${live.length} probes, max ${Math.max(...live).toFixed(1)} ms`,
        },
      ],
      ratios: {
        'errors below capacity (target 0)': below.refused + below.other + below.mixedUp,
        'server-side refusal time, p99 bucket bound in ms (target < 5)': server.p99,
        'server-side refusal time, mean ms': server.mean,
        'client-side refusal p99 ms (with client and kernel queues)': percentile(above.refusedMs, 99),
        'accepted requests lost or mixed up (target 0)': above.other + above.mixedUp,
        'live p99 during the 512-connection storm (ms)': percentile(live, 99),
        'live max during the storm (ms)': Math.max(...live),
        'storm answers other than 200/429 (target 0)':
          Object.entries(storm.statusCodes)
            .filter(([k]) => k !== '200' && k !== '429')
            .reduce((n, [, v]) => n + v, 0) + storm.errors,
      },
    };
  } finally {
    await gw.stop();
  }
}
