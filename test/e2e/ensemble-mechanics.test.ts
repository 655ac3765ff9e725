import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, postJson, getJson, type RunningGateway } from '../support/gateway.ts';
import { tempStore, tinyClassifier, writeModel } from '../support/tiny-models.ts';

/** The crash-test runtime (test/fixtures): a run on an input holding 44 waits while `<model file>.hold` exists. */
const PLUGINS = fileURLToPath(new URL('../fixtures/crash-runtime', import.meta.url));

const infer = (data: number[][], extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [data.length, 3], data }],
  ...extra,
});

describe('ensembles over tensor models (label alignment, quorum, timeouts)', () => {
  let gw: RunningGateway;
  let store: string;
  beforeAll(async () => {
    store = tempStore();
    // Three members that agree on meaning but list their labels in different orders.
    writeModel(store, 'a', 1, tinyClassifier([0, 1, 2]), { labels: ['cat', 'dog', 'bird'] });
    writeModel(store, 'b', 1, tinyClassifier([2, 1, 0]), { labels: ['Bird', 'Dog', 'Cat'] });
    writeModel(store, 'c', 1, tinyClassifier([1, 0, 2], 3), { labels: ['dog', 'cat', 'bird'] });
    writeModel(store, 'other', 1, tinyClassifier(), { labels: ['red', 'green', 'blue'] });
    // A member that answers only once the test lets it: it misses any deadline, whatever the machine's speed.
    writeModel(store, 'held', 1, tinyClassifier([0, 1, 2]), { labels: ['cat', 'dog', 'bird'], runtime: 'crash-test' });
    writeFileSync(join(store, 'held', '1', 'model.onnx.hold'), '');
    const ens = (name: string, ensemble: unknown) => {
      mkdirSync(join(store, name));
      writeFileSync(join(store, name, 'config.json'), JSON.stringify({ ensemble }));
    };
    ens('soft', { members: ['a', 'b', 'c'], strategy: 'soft' });
    ens('quorum3', { members: ['a', 'b', 'c'], strategy: 'soft', quorum: 3 });
    ens('deadline', { members: ['a', 'b', { model: 'held', timeoutMs: 50 }], strategy: 'hard', quorum: 2 });
    gw = await startGateway({ MODEL_STORE: store, PLUGINS });
  });
  afterAll(async () => {
    rmSync(join(store, 'held', '1', 'model.onnx.hold'), { force: true });
    await gw?.close();
  });

  it('is served like a model, with metadata and readiness', async () => {
    const meta = await getJson(`${gw.url}/v2/models/soft`);
    expect(meta.status).toBe(200);
    expect(meta.body.platform).toBe('ensemble');
    expect(meta.body.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 3] }]);
    expect(meta.body.outputs).toEqual([{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }]);
    expect(meta.body.parameters.labels).toEqual(['cat', 'dog', 'bird']);
    expect(meta.body.parameters.ensemble.strategy).toBe('soft');
    expect((await getJson(`${gw.url}/v2/models/soft/ready`)).body.ready).toBe(true);
  });

  it('aligns labels by name: members listing labels in other orders still vote correctly', async () => {
    const r = await postJson(
      `${gw.url}/v2/models/soft/infer`,
      infer(
        [
          [4, 0, 0],
          [0, 0, 4],
        ],
        { outputs: [{ name: 'probabilities', parameters: { classification: 1 } }] },
      ),
    );
    expect(r.status).toBe(200);
    expect(r.body.outputs[0].data).toHaveLength(2);
    expect(r.body.outputs[0].data[0]).toMatch(/:0:cat$/);
    expect(r.body.outputs[0].data[1]).toMatch(/:2:bird$/);
  });

  it('soft voting equals the mean of the members’ aligned probabilities', async () => {
    const x = [[1, 0.5, 0]];
    const [ens, a, b, c] = await Promise.all(
      ['soft', 'a', 'b', 'c'].map((m) => postJson(`${gw.url}/v2/models/${m}/infer`, infer(x))),
    );
    const pa = a!.body.outputs[0].data as number[];
    const pb = (b!.body.outputs[0].data as number[]).slice().reverse(); // b lists bird, dog, cat
    const pcRaw = c!.body.outputs[0].data as number[]; // c lists dog, cat, bird
    const pc = [pcRaw[1]!, pcRaw[0]!, pcRaw[2]!];
    const expected = [0, 1, 2].map((i) => (pa[i]! + pb[i]! + pc[i]!) / 3);
    (ens!.body.outputs[0].data as number[]).forEach((p, i) => {
      expect(p).toBeCloseTo(expected[i]!, 5);
    });
  });

  it('degrades when a member is gone, and answers 503 once the quorum is lost', async () => {
    expect((await postJson(`${gw.url}/v2/repository/models/c/unload`, {})).status).toBe(200);
    const degraded = await postJson(`${gw.url}/v2/models/soft/infer`, infer([[4, 0, 0]]));
    expect(degraded.status).toBe(200);
    const lost = await postJson(`${gw.url}/v2/models/quorum3/infer`, infer([[4, 0, 0]]));
    expect(lost.status).toBe(503);
    expect(lost.body.error).toMatch(/2 of 3 members answered, quorum is 3.*c:/);
    expect((await postJson(`${gw.url}/v2/repository/models/c/load`, {})).status).toBe(200);
    expect((await postJson(`${gw.url}/v2/models/quorum3/infer`, infer([[4, 0, 0]]))).status).toBe(200);
  });

  it('answers without a member that misses its deadline', async () => {
    // 44 holds the 'held' member's run for as long as its hold file exists: it never answers in time.
    const v2 = await postJson(
      `${gw.url}/v2/models/deadline/infer`,
      infer([[0, 44, 0]], { outputs: [{ name: 'probabilities', parameters: { classification: 1 } }] }),
    );
    expect(v2.status).toBe(200);
    expect(v2.body.outputs[0].data[0]).toMatch(/:1:dog$/);
  });

  it('refuses incompatible label sets at load time, naming the labels', async () => {
    mkdirSync(join(store, 'mixed'));
    writeFileSync(join(store, 'mixed', 'config.json'), JSON.stringify({ ensemble: { members: ['a', 'other'] } }));
    const r = await postJson(`${gw.url}/v2/repository/models/mixed/load`, {});
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/different labels.*cat.*red/);
  });

  it('accepts them with a label mapping', async () => {
    writeFileSync(
      join(store, 'mixed', 'config.json'),
      JSON.stringify({
        ensemble: { members: ['a', { model: 'other', labelMap: { red: 'cat', green: 'dog', blue: 'bird' } }] },
      }),
    );
    expect((await postJson(`${gw.url}/v2/repository/models/mixed/load`, {})).status).toBe(200);
    const r = await postJson(
      `${gw.url}/v2/models/mixed/infer`,
      infer([[0, 5, 0]], { outputs: [{ name: 'probabilities', parameters: { classification: 1 } }] }),
    );
    expect(r.body.outputs[0].data[0]).toMatch(/:1:dog$/);
  });
});
