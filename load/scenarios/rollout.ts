import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { scaleSumModel, tempStore, writeModel } from '../../test/support/tiny-models.ts';
import type { FuzzCase } from '../../test/support/fuzz/case.ts';
import { percentile } from '../../core/percentile.ts';
import { cannon } from '../lib/cannon.ts';
import { describeTally, drive, lost } from '../lib/drive.ts';
import { callJson as call } from '../lib/json.ts';
import { startGateway } from '../lib/processes.ts';
import { mean, sequentialRow, type Report } from '../lib/report.ts';

/** The factor each version of `scale` multiplies by (y = f·x); version 3 is dropped in during the run. */
const FACTORS: Record<number, number> = { 1: 2, 2: 3, 3: 4 };
const X = [1, 2, 3, 4];
const body = (x: readonly number[]) =>
  JSON.stringify({
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [1, 4], data: x },
      { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
    ],
  });

/** Sequential requests on one kept-alive connection, alternating two paths; client-side ms per request of each. */
async function alternate(base: URL, paths: [string, string], n: number): Promise<[number[], number[]]> {
  const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
  const out: [number[], number[]] = [[], []];
  const payload = body(X);
  const once = (k: 0 | 1) =>
    new Promise<number>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path: paths[k],
          method: 'POST',
          agent: agents[k],
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(Number(process.hrtime.bigint() - t0) / 1e6)
              : reject(new Error(`${paths[k]}: ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  for (let i = 0; i < 200; i++) await once((i % 2) as 0 | 1); // warm-up
  for (let i = 0; i < n; i++) {
    // Alternate which goes first, so that neither always follows the other.
    const order: Array<0 | 1> = i % 2 ? [0, 1] : [1, 0];
    for (const k of order) out[k].push(await once(k));
  }
  for (const a of agents) a.destroy();
  return out;
}

/** Throughput of two paths with autocannon, alternating in rounds so that both see the same machine. */
async function versus(url: string, paths: [string, string], connections: number, seconds: number, rounds = 2) {
  const totals: [number, number] = [0, 0];
  const p50 = [[], []] as [number[], number[]];
  const other: [number, number] = [0, 0];
  for (let r = 0; r < rounds; r++) {
    for (const k of [0, 1] as const) {
      const res = await cannon({
        label: paths[k],
        url: url + paths[k],
        body: body(X),
        connections,
        durationS: seconds,
      });
      totals[k] += res.requests;
      p50[k].push(res.latencyMs.p50);
      other[k] += res.non2xx + res.errors + res.timeouts;
    }
  }
  return { rps: totals.map((t) => t / (rounds * seconds)), p50, other };
}

/**
 * Issue 12's rollout scenario. One gateway (child process) over a store holding `scale` versions 1 and 2
 * (labels stable → 1, canary → 2) and `scale-b`, with experiments `one` (a single variant, `scale:1`),
 * `one-shadowed` (the same plus `scale-b` as a shadow) and `ab` (`scale@stable` 90 / `scale@canary` 10).
 * 1. Routing overhead: alternating sequential requests to `scale` version 1 directly and through `one`.
 * 2. Throughput: the same two paths under autocannon, and `one` against `one-shadowed`.
 * 3. A rollout under closed-loop load on `ab` (every answer checked: y = f·x for a published factor):
 *    the weights change, the canary label moves, version 3 is dropped into the store by rename (the
 *    watcher loads and warms it), the canary label moves to it, the weights move to the canary.
 */
export async function rollout(opts: { durationS: number }): Promise<Report> {
  const store = tempStore();
  const config = { versionPolicy: { all: {} }, versionLabels: { stable: 1, canary: 2 } };
  writeModel(store, 'scale', 1, scaleSumModel(FACTORS[1]), config);
  writeModel(store, 'scale', 2, scaleSumModel(FACTORS[2]));
  writeModel(store, 'scale-b', 1, scaleSumModel(5));
  const gw = await startGateway({ MODEL_STORE: store, STORE_POLL_S: '0.5' }, 18097);
  const base = new URL(gw.url);
  try {
    await call(`${gw.url}/v1/experiments`, 'POST', {
      name: 'one',
      variants: [{ name: 'v1', target: 'scale:1', weight: 1 }],
    });
    await call(`${gw.url}/v1/experiments`, 'POST', {
      name: 'one-shadowed',
      variants: [
        { name: 'v1', target: 'scale:1', weight: 1 },
        { name: 'b', target: 'scale-b', weight: 1, shadow: true },
      ],
    });
    await call(`${gw.url}/v1/experiments`, 'POST', {
      name: 'ab',
      variants: [
        { name: 'stable', target: 'scale@stable', weight: 90 },
        { name: 'canary', target: 'scale@canary', weight: 10 },
      ],
    });

    // 1. Overhead per request, sequential (client and server costs alike show up in both; the difference is routing).
    const [direct, routed] = await alternate(base, ['/v2/models/scale/versions/1/infer', '/v2/models/one/infer'], 3000);

    // 2. Throughput.
    const seconds = Math.max(3, Math.round(opts.durationS / 3));
    const route = await versus(gw.url, ['/v2/models/scale/versions/1/infer', '/v2/models/one/infer'], 16, seconds);
    const shadow = await versus(gw.url, ['/v2/models/one/infer', '/v2/models/one-shadowed/infer'], 16, seconds);
    const figures = (
      await call<{ figures?: Record<string, { shadow?: Record<string, unknown> }> }>(
        `${gw.url}/v1/experiments/one-shadowed`,
        'GET',
      )
    ).json;

    // 3. The rollout under load.
    const allowed = new Set(Object.values(FACTORS));
    const make = (i: number): FuzzCase => {
      const x = [i % 7, 1, 2, 3];
      return {
        category: 'rollout',
        label: 'ab',
        method: 'POST',
        path: '/v2/models/ab/infer',
        headers: { 'content-type': 'application/json' },
        body: body(x),
        check: (status, raw) => {
          if (status !== 200) return `status ${status}`;
          const y = (JSON.parse(raw.toString('utf8')).outputs as Array<{ name: string; data: number[] }>).find(
            (o) => o.name === 'y',
          )!.data;
          const f = x[1] !== 0 ? y[1]! / x[1]! : NaN;
          return allowed.has(f) && y.every((v, k) => Math.abs(v - f * x[k]!) < 1e-4)
            ? undefined
            : `y ${JSON.stringify(y)} for x ${JSON.stringify(x)}`;
        },
      };
    };
    const steps: string[] = [];
    let stop = false;
    const load = drive({ url: gw.url, connections: 16, stop: () => stop, make });
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const step = Math.max(1000, (opts.durationS * 1000) / 6);
    await pause(step);
    await call(`${gw.url}/v1/experiments/ab/weights`, 'POST', { weights: { stable: 50, canary: 50 } });
    steps.push('weights 50/50');
    await pause(step);
    await call(`${gw.url}/v2/repository/models/scale/labels/canary`, 'PUT', { version: 1 });
    steps.push('canary → version 1');
    await pause(step);
    // Publishing by file drop: written under a hidden name, then renamed into place in one step.
    mkdirSync(join(store, 'scale', '.tmp-3'));
    writeFileSync(join(store, 'scale', '.tmp-3', 'model.onnx'), scaleSumModel(FACTORS[3]));
    renameSync(join(store, 'scale', '.tmp-3'), join(store, 'scale', '3'));
    const dropped = Date.now();
    for (;;) {
      const index = (await call(`${gw.url}/v2/repository/index`, 'POST', {})).json as Array<{
        name: string;
        version?: string;
        state: string;
      }>;
      if (index.some((r) => r.name === 'scale' && r.version === '3' && r.state === 'READY')) break;
      if (Date.now() - dropped > 30_000) throw new Error('version 3 was not published within 30 s');
      await pause(100);
    }
    steps.push(`version 3 dropped in, serving after ${Date.now() - dropped} ms`);
    await call(`${gw.url}/v2/repository/models/scale/labels/canary`, 'PUT', { version: 3 });
    steps.push('canary → version 3');
    await pause(step);
    await call(`${gw.url}/v1/experiments/ab/weights`, 'POST', { weights: { stable: 10, canary: 90 } });
    steps.push('weights 10/90');
    await pause(step);
    stop = true;
    const tally = await load;
    const failed = lost(tally) + tally.wrong + (tally.statuses['503'] ?? 0) + (tally.statuses['429'] ?? 0);

    return {
      scenario: 'rollout',
      command: `npm run load -- rollout --duration ${opts.durationS}`,
      rows: [
        sequentialRow(
          'scale v1 direct, sequential',
          direct,
          'req/s (1 connection)',
          `${direct.length} requests, alternating with the routed ones`,
        ),
        sequentialRow(
          'through experiment `one`, sequential',
          routed,
          'req/s (1 connection)',
          `${routed.length} requests`,
        ),
        {
          label: 'scale v1 direct, 16 connections',
          throughput: route.rps[0]!,
          unit: 'req/s',
          p50Ms: Math.max(...route.p50[0]),
          note: `${route.other[0]} non-2xx or errors`,
        },
        {
          label: 'through `one`, 16 connections',
          throughput: route.rps[1]!,
          unit: 'req/s',
          p50Ms: Math.max(...route.p50[1]),
          note: `${route.other[1]} non-2xx or errors`,
        },
        {
          label: 'through `one-shadowed` (shadow scale-b), 16 connections',
          throughput: shadow.rps[1]!,
          unit: 'req/s',
          p50Ms: Math.max(...shadow.p50[1]),
          note: `${shadow.other[1]} non-2xx or errors; shadow ${JSON.stringify((({ latency_ms: _l, ...rest }) => rest)(figures.figures?.b?.shadow ?? {}))}`,
        },
        {
          label: 'rollout on `ab` under 16 connections',
          throughput: tally.ok / ((6 * step) / 1000),
          unit: 'answered/s',
          note: `${describeTally(tally)}; steps: ${steps.join('; ')}`,
        },
      ],
      ratios: {
        'routing overhead, p50 ms (target < 0.1)': percentile(routed, 50) - percentile(direct, 50),
        'routing overhead, mean ms': mean(routed) - mean(direct),
        'routed / direct throughput (target ≥ 0.95)': route.rps[1]! / route.rps[0]!,
        'with shadow / without throughput (target ≥ 0.9 with spare capacity)': shadow.rps[1]! / shadow.rps[0]!,
        'failed requests during the rollout (target 0)': failed,
      },
    };
  } finally {
    await gw.stop();
  }
}
