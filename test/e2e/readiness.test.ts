import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, postJson, startGateway, useGateway } from '../support/gateway.ts';
import { captureLogs } from '../support/logs.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';

const request = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
    { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [7, 7] },
  ],
  outputs: [{ name: 's' }],
};

/** The value of a metric series whose labels include `labels`, or undefined when there is none. */
async function metric(url: string, name: string, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** A store with a good model, a broken one (its model file is not ONNX) and a good one loaded on first use. */
function storeWithBrokenModel(): string {
  const store = tempStore();
  writeModel(store, 'good', 1, scaleSumModel(2));
  mkdirSync(join(store, 'broken', '1'), { recursive: true });
  writeFileSync(join(store, 'broken', '1', 'model.onnx'), 'these bytes are not an ONNX model');
  writeModel(store, 'later', 1, scaleSumModel(3), { load: 'lazy' });
  return store;
}

describe('readiness serves what it can (ON_MODEL_ERROR=continue with a broken model)', () => {
  const gw = useGateway(() => startGateway({ MODEL_STORE: storeWithBrokenModel(), ON_MODEL_ERROR: 'continue' }));

  it('is ready for the healthy model; the broken one is UNAVAILABLE with its reason, 503 itself, and counted', async () => {
    const ready = await getJson(`${gw.url}/v2/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, models: 1, unavailable: 1 });
    expect((await postJson(`${gw.url}/v2/models/good/infer`, request)).body.outputs[0].data).toEqual([10]);

    const broken = await getJson(`${gw.url}/v2/models/broken/ready`);
    expect(broken.status).toBe(503);
    expect(broken.body).toMatchObject({ name: 'broken', ready: false });
    const infer = await postJson(`${gw.url}/v2/models/broken/infer`, request);
    expect(infer.status).toBe(503);
    expect(infer.body.error).toMatch(/broken.*failed to load/);

    const index = (await postJson(`${gw.url}/v2/repository/index`, {})).body as Array<Record<string, string>>;
    expect(index.find((e) => e.name === 'broken')).toEqual({
      name: 'broken',
      state: 'UNAVAILABLE',
      reason: expect.stringMatching(/^model 'broken' failed to load: /),
    });
    expect(index.find((e) => e.name === 'good')).toMatchObject({ state: 'READY', version: '1' });

    expect(await metric(gw.url, 'massgate_model_ready', 'model="good"')).toBe(1);
    expect(await metric(gw.url, 'massgate_model_ready', 'model="broken"')).toBe(0);
    expect(await metric(gw.url, 'massgate_model_load_failures_total', 'model="broken"')).toBe(1);
    expect(await metric(gw.url, 'massgate_model_load_failures_total', 'model="good"')).toBeUndefined();
  });

  it('a lazy model waits in the index, is not loaded by a readiness probe, and loads on its first request', async () => {
    const lazyRow = async () =>
      ((await postJson(`${gw.url}/v2/repository/index`, {})).body as Array<Record<string, string>>).find(
        (e) => e.name === 'later',
      );
    expect(await lazyRow()).toEqual({
      name: 'later',
      state: 'UNAVAILABLE',
      reason: 'not loaded yet: loads on its first request ("load": "lazy")',
    });
    expect((await getJson(`${gw.url}/v2/models/later/ready`)).status).toBe(503);
    expect(await lazyRow()).toMatchObject({ state: 'UNAVAILABLE' });
    expect(await metric(gw.url, 'massgate_model_ready', 'model="later"')).toBe(0);

    const first = await postJson(`${gw.url}/v2/models/later/infer`, request); // waits for the load
    expect(first.status).toBe(200);
    expect(first.body.outputs[0].data).toEqual([10]);
    expect(await lazyRow()).toMatchObject({ state: 'READY', version: '1' });
    expect((await getJson(`${gw.url}/v2/models/later/ready`)).status).toBe(200);
    expect(await metric(gw.url, 'massgate_model_ready', 'model="later"')).toBe(1);
    expect((await getJson(`${gw.url}/v2/health/ready`)).status).toBe(200);
  });
});

describe('readiness with nothing to serve', () => {
  const logs = captureLogs();

  it('is not ready when every model it was configured to serve failed', async () => {
    const store = tempStore();
    mkdirSync(join(store, 'broken', '1'), { recursive: true });
    writeFileSync(join(store, 'broken', '1', 'model.onnx'), 'not onnx');
    const gw = await startGateway({ MODEL_STORE: store, ON_MODEL_ERROR: 'continue', LOG_LEVEL: 'info' });
    try {
      const ready = await getJson(`${gw.url}/v2/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ ready: false, models: 0, unavailable: 1 });
      expect(logs.read()).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'model unavailable' }));
    } finally {
      await gw.close();
    }
  });

  it('starts on an empty store with a warning saying so', async () => {
    const gw = await startGateway({ MODEL_STORE: tempStore(), LOG_LEVEL: 'info' });
    try {
      expect(logs.read()).toContainEqual(
        expect.objectContaining({ level: 'warn', msg: expect.stringContaining('the model store holds no model') }),
      );
      expect((await getJson(`${gw.url}/v2/health/ready`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
