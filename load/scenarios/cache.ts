import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlp } from '../../tools/onnx/mlp.ts';
import { cannon, type CannonResult } from '../lib/cannon.ts';
import { startEcho, startGateway, type RunWatch } from '../lib/processes.ts';
import { startRedis } from '../../test/support/redis.ts';
import type { Report, ReportRow } from '../lib/report.ts';

const CONNECTIONS = 64;

/** One small JSON inference request, the same bytes every time (so every request after the first hits). */
export const BODY = JSON.stringify({
  inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => i / 16) }],
});

/**
 * One run of the hit path: a gateway over a small MLP with `cacheConfig`, 2 s of warm-up, then `durationS` of the
 * same request from 64 connections, under `watch`.
 */
export async function gatewayRun(
  label: string,
  env: Record<string, string>,
  cacheConfig: unknown,
  durationS: number,
  port: number,
  watch: RunWatch = {},
): Promise<CannonResult> {
  const dir = mkdtempSync(join(tmpdir(), 'massgate-cache-'));
  mkdirSync(join(dir, 'mlp', '1'), { recursive: true });
  writeFileSync(join(dir, 'mlp', '1', 'model.onnx'), mlp({ inputs: 16, hidden: 1024, layers: 4 }));
  writeFileSync(join(dir, 'mlp', 'config.json'), JSON.stringify({ cache: cacheConfig }));
  const gw = await startGateway({ MODEL_STORE: dir, ...env }, port);
  try {
    const url = `${gw.url}/v2/models/mlp/infer`;
    watch.probe?.(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY }));
    await cannon({ label: 'warm-up', url, body: BODY, connections: CONNECTIONS, durationS: 2 });
    const done = watch.measure?.(gw.pid);
    const r = await cannon({ label, url, body: BODY, connections: CONNECTIONS, durationS });
    done?.();
    return r;
  } finally {
    await gw.stop();
  }
}

const row = (r: CannonResult): ReportRow => ({
  label: r.label,
  throughput: r.reqPerSec,
  unit: 'req/s',
  p50Ms: r.latencyMs.p50,
  p99Ms: r.latencyMs.p99,
  note: `${r.non2xx} non-2xx, ${r.errors} errors`,
});

/**
 * Issue 6's hit path: the same JSON request over and over against (a) the gateway answering from its
 * in-process cache, (b) from Redis only (memory tier off), (c) with the cache off (every request runs the
 * model), beside (d) a plain Hono JSON echo of the same body, all in one run.
 */
export async function cache(opts: { durationS: number }): Promise<Report> {
  const echo = await startEcho(18091);
  let e: CannonResult;
  try {
    e = await cannon({
      label: '(d) Hono JSON echo',
      url: `${echo.url}/echo`,
      body: BODY,
      connections: CONNECTIONS,
      durationS: opts.durationS,
    });
  } finally {
    await echo.stop();
  }
  const memory = await gatewayRun('(a) gateway, cache hit (memory)', {}, { ttlSeconds: 600 }, opts.durationS, 18092);
  const redis = await startRedis();
  let viaRedis: CannonResult;
  try {
    viaRedis = await gatewayRun(
      '(b) gateway, cache hit (Redis only)',
      { REDIS_URL: redis.url, CACHE_MEMORY_MB: '0' },
      { ttlSeconds: 600 },
      opts.durationS,
      18093,
    );
  } finally {
    await redis.stop();
  }
  const off = await gatewayRun('(c) gateway, cache off', {}, { enabled: false }, opts.durationS, 18094);
  return {
    scenario: 'cache',
    command: `npm run load -- cache --duration ${opts.durationS}`,
    rows: [row(memory), row(viaRedis), row(off), row(e)],
    ratios: {
      'memory hit / Hono echo (target ≥ 0.8)': memory.reqPerSec / e.reqPerSec,
      'Redis hit / Hono echo': viaRedis.reqPerSec / e.reqPerSec,
      'memory hit / cache off': memory.reqPerSec / off.reqPerSec,
    },
  };
}
