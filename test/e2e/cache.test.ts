import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, getJson, type RunningGateway } from '../support/gateway.ts';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { startTraffic } from '../support/traffic.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';

const request = (x: number[], shape = [1, 4], extra: Record<string, unknown> = {}) => ({
  inputs: [
    { name: 'x', datatype: 'FP32', shape, data: x },
    { name: 'ids', datatype: 'INT64', shape: [shape[0], 2], data: Array(shape[0]! * 2).fill(7) },
  ],
  outputs: [{ name: 'y' }],
  ...extra,
});

async function infer(url: string, body: unknown, model = 'scale') {
  const res = await fetch(`${url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, source: res.headers.get('massgate-cache'), body: await res.json() };
}

describe('response cache end to end, with a real Redis', () => {
  let gw: RunningGateway;
  let redis: RedisServer;
  let store: string;
  beforeAll(async () => {
    redis = await startRedis();
    store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel(2), { cache: { ttlSeconds: 60 } });
    writeModel(store, 'nocache', 1, scaleSumModel(2));
    gw = await startGateway({ MODEL_STORE: store, REDIS_URL: redis.url, LOG_LEVEL: 'silent' });
    await vi.waitFor(async () =>
      expect((await getJson(`${gw.url}/v2/health/ready`)).body.cache.redis.state).toBe('up'),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.stop();
  });

  it('computes once, then answers the same request from memory with the same body and its own id', async () => {
    const first = await infer(gw.url, request([1, 2, 3, 4], [1, 4], { id: 'a' }));
    const second = await infer(gw.url, request([1, 2, 3, 4], [1, 4], { id: 'b' }));
    expect([first.source, second.source]).toEqual(['computed', 'memory']);
    expect(second.body.outputs).toEqual(first.body.outputs);
    expect([first.body.id, second.body.id]).toEqual(['a', 'b']);
  });

  it('answers binary outputs the same when computed, from the encoded-answer cache and as an exact replay', async () => {
    const send = async (id: string) => {
      const res = await fetch(`${gw.url}/v2/models/scale/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          request([9, 8, 7, 6], [1, 4], {
            id,
            outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 's' }],
          }),
        ),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      const n = Number(res.headers.get('inference-header-content-length'));
      return {
        source: res.headers.get('massgate-cache'),
        header: JSON.parse(bytes.subarray(0, n).toString()),
        tail: bytes.subarray(n),
      };
    };
    const [computed, encoded, replayed] = [await send('p'), await send('q'), await send('q')];
    expect([computed.source, encoded.source, replayed.source]).toEqual(['computed', 'memory', 'memory']);
    expect(computed.header.outputs[0].parameters.binary_data_size).toBe(16);
    expect([...new Float32Array(Uint8Array.from(computed.tail).buffer)]).toEqual([18, 16, 14, 12]);
    for (const r of [encoded, replayed]) {
      expect(r.header.outputs).toEqual(computed.header.outputs);
      expect(r.tail).toEqual(computed.tail);
    }
    expect([computed.header.id, encoded.header.id, replayed.header.id]).toEqual(['p', 'q', 'q']);
  });

  it('does not confuse requests that differ only in shape', async () => {
    const flat = await infer(gw.url, request([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]));
    expect(flat.body.outputs[0].shape).toEqual([2, 4]);
    const other = await infer(gw.url, request([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], { outputs: [{ name: 's' }] }));
    expect(other.source).toBe('computed');
    expect(other.body.outputs[0].name).toBe('s');
  });

  it('honours per-model opt-out and per-request opt-out', async () => {
    expect((await infer(gw.url, request([1, 1, 1, 1]), 'nocache')).source).toBe('off');
    expect((await infer(gw.url, request([9, 9, 9, 9], [1, 4], { parameters: { cache: false } }))).source).toBe('off');
  });

  it('does not serve the old version after a hot swap', async () => {
    const before = await infer(gw.url, request([1, 1, 1, 1]));
    mkdirSync(join(store, 'scale', '2'));
    writeFileSync(join(store, 'scale', '2', 'model.onnx'), scaleSumModel(5));
    expect((await fetch(`${gw.url}/v2/repository/models/scale/load`, { method: 'POST' })).status).toBe(200);
    const after = await infer(gw.url, request([1, 1, 1, 1]));
    expect(before.body.outputs[0].data).toEqual([2, 2, 2, 2]);
    expect([after.source, after.body.model_version, after.body.outputs[0].data]).toEqual([
      'computed',
      '2',
      [5, 5, 5, 5],
    ]);
  });

  it('keeps serving with no errors while Redis is killed and restarted during traffic', async () => {
    const traffic = startTraffic(4, async (w, i) => (await infer(gw.url, request([w, i, 0, 0]))).status);
    await traffic.more(8);
    await redis.kill();
    await vi.waitFor(async () =>
      expect((await getJson(`${gw.url}/v2/health/ready`)).body.cache.redis.state).toBe('down'),
    );
    const ready = await getJson(`${gw.url}/v2/health/ready`);
    expect(ready.status).toBe(200); // the cache is an optimisation: readiness does not depend on it
    await traffic.more(8); // served with Redis down
    await redis.restart();
    await vi.waitFor(
      async () => expect((await getJson(`${gw.url}/v2/health/ready`)).body.cache.redis.state).toBe('up'),
      { timeout: 5000 },
    );
    await traffic.more(8); // and again once it is back
    expect((await traffic.stop()).filter((s) => s !== 200)).toEqual([]);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/massgate_cache_hits_total\{tier="memory",model="scale"\} \d+/);
    expect(metrics).toMatch(/massgate_cache_errors_total\{tier="redis"\} \d+/);
  });
});
