import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, postJson, getJson, useGateway } from '../support/gateway.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';
import { startTraffic } from '../support/traffic.ts';

const request = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] },
    { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [0, 0] },
  ],
  outputs: [{ name: 'y' }],
};

describe('versioned store and hot swap', () => {
  let store: string;
  const gw = useGateway(async () => {
    store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel(2), { instances: 2 });
    return startGateway({ MODEL_STORE: store });
  });

  it('swaps in a new version under traffic without failing a request', async () => {
    const traffic = startTraffic(8, async () => {
      const r = await postJson(`${gw.url}/v2/models/scale/infer`, request);
      return { status: r.status, version: r.body.model_version as string, y0: r.body.outputs?.[0]?.data[0] as number };
    });
    await traffic.more(20);
    mkdirSync(join(store, 'scale', '2'));
    writeFileSync(join(store, 'scale', '2', 'model.onnx'), scaleSumModel(3));
    const load = await postJson(`${gw.url}/v2/repository/models/scale/load`, {});
    expect(load.status).toBe(200);
    await traffic.more(20);
    const seen = await traffic.stop();
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    // Each answer is consistent with the version that produced it.
    for (const s of seen) expect(s.y0).toBe(s.version === '1' ? 2 : 3);
    expect(seen.at(-1)!.version).toBe('2');
    expect(seen.some((s) => s.version === '1')).toBe(true);
    const meta = await getJson(`${gw.url}/v2/models/scale`);
    expect(meta.body.versions).toEqual(['2']);
    expect((await getJson(`${gw.url}/v2/models/scale/versions/1`)).status).toBe(404);
  });

  it('keeps serving the old version when the new one fails to load', async () => {
    mkdirSync(join(store, 'scale', '3'));
    writeFileSync(join(store, 'scale', '3', 'model.onnx'), new Uint8Array([1, 2, 3, 4]));
    const load = await postJson(`${gw.url}/v2/repository/models/scale/load`, {});
    expect(load.status).toBe(400);
    expect(load.body.error).toMatch(/scale/);
    const r = await postJson(`${gw.url}/v2/models/scale/infer`, request);
    expect(r.status).toBe(200);
    expect(r.body.model_version).toBe('2');
  });

  it('serves several versions under a specific version policy', async () => {
    writeFileSync(
      join(store, 'scale', 'config.json'),
      JSON.stringify({ versionPolicy: { specific: { versions: [1, 2] } } }),
    );
    expect((await postJson(`${gw.url}/v2/repository/models/scale/load`, {})).status).toBe(200);
    const v1 = await postJson(`${gw.url}/v2/models/scale/versions/1/infer`, request);
    const v2 = await postJson(`${gw.url}/v2/models/scale/versions/2/infer`, request);
    expect([v1.body.model_version, v1.body.outputs[0].data[0]]).toEqual(['1', 2]);
    expect([v2.body.model_version, v2.body.outputs[0].data[0]]).toEqual(['2', 3]);
    expect((await postJson(`${gw.url}/v2/models/scale/infer`, request)).body.model_version).toBe('2');
    expect((await getJson(`${gw.url}/v2/models/scale`)).body.versions).toEqual(['2', '1']);
  });

  it('places instances per instance group (providers fall back to cpu here)', async () => {
    writeFileSync(
      join(store, 'scale', 'config.json'),
      JSON.stringify({
        versionPolicy: { specific: { versions: [2] } },
        instanceGroups: [
          { count: 1, providers: ['cuda', 'cpu'] },
          { count: 2, providers: ['cpu'] },
        ],
      }),
    );
    expect((await postJson(`${gw.url}/v2/repository/models/scale/load`, {})).status).toBe(200);
    const meta = await getJson(`${gw.url}/v2/models/scale`);
    expect([meta.body.parameters.instances, meta.body.parameters.provider]).toEqual([3, 'cpu']);
    expect((await postJson(`${gw.url}/v2/models/scale/infer`, request)).status).toBe(200);
  });

  it('rejects an invalid config with a message naming the model and field', async () => {
    writeFileSync(join(store, 'scale', 'config.json'), JSON.stringify({ instances: 0 }));
    const r = await postJson(`${gw.url}/v2/repository/models/scale/load`, {});
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/model 'scale'.*instances/);
  });
});
