import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel } from '../../runtimes/onnx/writer/build.ts';
import type { PublishEvent, StoreWatcher } from '../../model-store/publish/watcher.ts';
import { startGateway, postJson, getJson, type RunningGateway } from '../support/gateway.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';
import { startTraffic, type Traffic } from '../support/traffic.ts';

const request = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] },
    { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [0, 0] },
  ],
  outputs: [{ name: 'y' }],
};

/** A valid ONNX file with the scale model's inputs that loads but fails when run (x [n,4] reshaped to [3]). */
function loadsButCannotRun(): Uint8Array {
  return buildModel({
    inputs: [
      { name: 'x', type: 'float32', shape: ['batch', 4] },
      { name: 'ids', type: 'int64', shape: ['batch', 2] },
    ],
    outputs: [{ name: 'y', type: 'float32', shape: [3] }],
    initializers: [{ name: 'to', type: 'int64', dims: [1], data: new BigInt64Array([3n]) }],
    nodes: [{ op: 'Reshape', inputs: ['x', 'to'], outputs: ['y'] }],
  });
}

/** Writes a version under a hidden name, then renames it into place: the atomic way to publish. */
function publishByRename(store: string, version: number, bytes: Uint8Array): void {
  const tmp = join(store, 'scale', `.tmp-${version}`);
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'model.onnx'), bytes);
  renameSync(tmp, join(store, 'scale', String(version)));
}

describe('publishing a version by dropping it into the store (no API call)', () => {
  let gw: RunningGateway;
  let store: string;
  let watcher: StoreWatcher;
  const publishes: PublishEvent[] = [];
  let traffic: Traffic<{ status: number; version: string; y0: number }>;
  /** Resolves with the next publish event. */
  const nextPublish = () => new Promise<PublishEvent>((r) => watcher.once('publish', r));
  const moreAnswers = (n: number) => traffic.more(n);
  const served = async () => (await postJson(`${gw.url}/v2/models/scale/infer`, request)).body;

  beforeAll(async () => {
    store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel(2));
    gw = await startGateway({ MODEL_STORE: store, STORE_POLL_S: '0.05' });
    watcher = gw.gateway.watcher!;
    watcher.on('publish', (e: PublishEvent) => publishes.push(e));
    // Requests run throughout every swap below; the last test checks that none failed.
    traffic = startTraffic(3, async () => {
      const r = await postJson(`${gw.url}/v2/models/scale/infer`, request);
      return { status: r.status, version: r.body.model_version, y0: r.body.outputs?.[0]?.data[0] };
    });
  });
  afterAll(async () => {
    await traffic?.stop();
    await gw?.close();
  });

  it('a version renamed into place is loaded, warmed and swapped in under traffic', async () => {
    await moreAnswers(10);
    const published = nextPublish();
    publishByRename(store, 2, scaleSumModel(3));
    expect(await published).toEqual({ model: 'scale', versions: [2, 1], ok: true });
    expect((await getJson(`${gw.url}/v2/models/scale`)).body.versions).toEqual(['2']);
    expect(await served()).toMatchObject({ model_version: '2', outputs: [{ data: [3, 3, 3, 3] }] });
    await moreAnswers(10);
  }, 30_000);

  it('a file written slowly, a chunk per poll, is not loaded before it is complete', async () => {
    const bytes = scaleSumModel(4);
    const chunks = 6;
    const size = Math.ceil(bytes.length / chunks);
    const before = publishes.length;
    mkdirSync(join(store, 'scale', '3'));
    // Each poll is followed at once (synchronously, before the next poll can run) by the next chunk.
    let written = 0;
    await new Promise<void>((done) => {
      const onCheck = (trigger: string) => {
        if (trigger !== 'poll') return;
        if (written < chunks) {
          appendFileSync(join(store, 'scale', '3', 'model.onnx'), bytes.subarray(written * size, (written + 1) * size));
          written++;
        } else {
          watcher.off('checked', onCheck);
          done();
        }
      };
      watcher.on('checked', onCheck);
    });
    expect(publishes.length).toBe(before); // nothing was loaded while the file grew
    expect((await served()).model_version).toBe('2');
    const published = publishes.length > before ? publishes[before]! : await nextPublish();
    expect(published).toEqual({ model: 'scale', versions: [3, 2, 1], ok: true });
    expect(await served()).toMatchObject({ model_version: '3', outputs: [{ data: [4, 4, 4, 4] }] });
  }, 30_000);

  it('a corrupt version, or one that loads but fails its warm-up, leaves the old one serving and shows in the index; it is not retried', async () => {
    let published = nextPublish();
    publishByRename(store, 4, new Uint8Array([8, 1, 18, 3, 1, 2, 3, 255, 255]));
    expect(await published).toMatchObject({
      model: 'scale',
      ok: false,
      error: expect.stringMatching(/scale\/4\/model\.onnx/),
    });
    expect(await served()).toMatchObject({ model_version: '3', outputs: [{ data: [4, 4, 4, 4] }] });
    let index = (await postJson(`${gw.url}/v2/repository/index`, {})).body;
    expect(index).toEqual([
      { name: 'scale', version: '3', state: 'READY', reason: '' },
      {
        name: 'scale',
        version: '4',
        state: 'UNAVAILABLE',
        reason: expect.stringMatching(/^model 'scale' .*scale\/4\/model\.onnx/),
      },
    ]);
    expect(JSON.stringify(index)).not.toContain(store); // no absolute path reaches the client

    published = nextPublish();
    publishByRename(store, 5, loadsButCannotRun());
    expect(await published).toMatchObject({
      model: 'scale',
      ok: false,
      error: expect.stringMatching(/version 5 failed its warm-up inference/),
    });
    index = (await postJson(`${gw.url}/v2/repository/index`, {})).body;
    expect(index).toEqual([
      { name: 'scale', version: '3', state: 'READY', reason: '' },
      { name: 'scale', version: '5', state: 'UNAVAILABLE', reason: expect.stringMatching(/warm-up/) },
    ]);
    expect((await getJson(`${gw.url}/v2/health/ready`)).status).toBe(200);

    // Several polls later the broken version has not been tried again.
    const loads = watcher.stats.loads;
    const checks = watcher.stats.checks;
    await vi.waitUntil(() => watcher.stats.checks >= checks + 5, { timeout: 10_000, interval: 20 });
    expect(watcher.stats.loads).toBe(loads);
    expect(await served()).toMatchObject({ model_version: '3' });
  }, 30_000);

  it('no request failed across the swaps, and each answer matches the version that gave it', async () => {
    await moreAnswers(10);
    const seen = await traffic.stop();
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    const factor: Record<string, number> = { 1: 2, 2: 3, 3: 4 };
    for (const s of seen) expect(s.y0).toBe(factor[s.version]);
    expect(new Set(seen.map((s) => s.version))).toEqual(new Set(['1', '2', '3']));
  }, 30_000);
});
