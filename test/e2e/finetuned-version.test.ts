import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { denseHead, saveLayersModel } from '../support/heads.ts';
import { tempStore } from '../support/tiny-models.ts';
import { getJson, postJson, startGateway, type RunningGateway } from '../support/gateway.ts';

const fixture = (f: string) => readFileSync(new URL(`../fixtures/images/${f}`, import.meta.url)).toString('base64');
const shipped = fileURLToPath(new URL('../../models/nsfw-mobilenet-v2', import.meta.url));
const NSFW = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
const CLASSES = ['document', 'photo'];
const finetuned = {
  base: { model: 'nsfw-mobilenet-v2', version: 1 },
  job: 'job-test-1',
  createdAt: '2025-01-01T00:00:00.000Z',
  scores: { accuracy: 0.95, servedAccuracy: null },
  classes: CLASSES,
  options: { epochs: 3 },
};

/**
 * A version folder as the training side publishes it: the base's source.json, a head (head/model.json,
 * head/weights.bin) and a version config.json.
 */
async function writeFinetunedVersion(dir: string, headInputs: number, config: Record<string, unknown>): Promise<void> {
  cpSync(join(shipped, '1', 'source.json'), join(dir, 'source.json'));
  await saveLayersModel(await denseHead([headInputs], CLASSES.length), join(dir, 'head'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
}

describe('a fine-tuned version (nsfwjs MobileNetV2 features + a trained head) serves beside its base', () => {
  let gw: RunningGateway;
  let store: string;
  beforeAll(async () => {
    store = tempStore();
    const model = join(store, 'nsfw-mobilenet-v2');
    cpSync(shipped, model, { recursive: true });
    const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
    // Every version served; a full batch of 4 leaves at once and a fixed delay holds partial ones, so 8 concurrent
    // requests batch whatever the timing.
    writeFileSync(
      join(model, 'config.json'),
      JSON.stringify({
        ...config,
        versionPolicy: { all: {} },
        batching: { maxBatchSize: 4, maxQueueDelayMs: 1000, queueDelay: 'fixed' },
      }),
    );
    await writeFinetunedVersion(join(model, '2'), 1280, {
      description: 'nsfw-mobilenet-v2 fine-tuned: document vs photo',
      labels: CLASSES,
      params: { topK: 2 },
      head: { path: 'head/model.json', feature: 'flatten_1' },
      finetuned,
    });
    gw = await startGateway({ MODEL_STORE: store, LOAD_MODELS: 'nsfw-mobilenet-v2' });
  });
  afterAll(() => gw?.close());

  it('answers the new labels from version 2 by default, and the 5 nsfw labels from version 1 by number', async () => {
    const r = await postJson(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, { instances: [fixture('chelsea.jpg')] });
    expect(r.status).toBe(200);
    expect(r.body.model_version).toBe('2');
    const [p] = r.body.predictions;
    expect(CLASSES).toContain(p.label);
    expect(p.top_k.map((t: { label: string }) => t.label).sort()).toEqual(CLASSES); // the version's params (topK 2) over the model's (5)
    expect(p.top_k[0].score + p.top_k[1].score).toBeCloseTo(1, 4);

    const v1 = await postJson(`${gw.url}/v1/models/nsfw-mobilenet-v2@1:predict`, {
      instances: [fixture('chelsea.jpg')],
    });
    expect(v1.status).toBe(200);
    expect(v1.body.model_version).toBe('1');
    expect(v1.body.predictions[0].label).toBe('Neutral');
    expect(v1.body.predictions[0].top_k.map((t: { label: string }) => t.label).sort()).toEqual(NSFW);
    const v1Infer = await postJson(`${gw.url}/v2/models/nsfw-mobilenet-v2/versions/1/infer`, {
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [fixture('chelsea.jpg')] }],
    });
    expect(v1Infer.status).toBe(200);
    expect(v1Infer.body.outputs[0]).toMatchObject({ name: 'dense_3', shape: [1, 5] });
  });

  it('describes version 2 with its provenance, description, labels and head output; version 1 has none of them', async () => {
    const v2 = await getJson(`${gw.url}/v2/models/nsfw-mobilenet-v2/versions/2`);
    expect(v2.status).toBe(200);
    expect(v2.body.parameters.finetuned).toEqual(finetuned);
    expect(v2.body.parameters.description).toBe('nsfw-mobilenet-v2 fine-tuned: document vs photo');
    expect(v2.body.parameters.labels).toEqual(CLASSES);
    expect(v2.body.parameters.model_inputs).toEqual([{ name: 'input_1', datatype: 'FP32', shape: [-1, 224, 224, 3] }]);
    expect(v2.body.outputs).toEqual([{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }]);
    expect((await getJson(`${gw.url}/v2/models/nsfw-mobilenet-v2`)).body.parameters.finetuned).toEqual(finetuned);
    const v1 = await getJson(`${gw.url}/v2/models/nsfw-mobilenet-v2/versions/1`);
    expect(v1.body.parameters.finetuned).toBeUndefined();
    expect(v1.body.parameters.labels).toEqual(NSFW);
    expect(v1.body.parameters.description).toMatch(/^nsfwjs content-moderation/);
    const info = await getJson(`${gw.url}/v1/models/nsfw-mobilenet-v2`);
    expect(info.body).toMatchObject({
      name: 'nsfw-mobilenet-v2',
      version: '2',
      description: 'nsfw-mobilenet-v2 fine-tuned: document vs photo',
      parameters: { finetuned },
    });
  });

  it('batches concurrent v2 requests on version 2, each answered as it would be alone', async () => {
    const images = ['chelsea.jpg', 'coffee.png', 'astronaut.jpg', 'rocket.jpg'].map(fixture);
    const infer = (image: string) =>
      postJson(`${gw.url}/v2/models/nsfw-mobilenet-v2/versions/2/infer`, {
        inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [image] }],
      });
    const alone: number[][] = [];
    for (const image of images) {
      const r = await infer(image);
      expect(r.status).toBe(200);
      expect(r.body.outputs).toHaveLength(1);
      expect(r.body.outputs[0]).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [1, 2] });
      alone.push(r.body.outputs[0].data);
    }
    const metric = async () => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      const read = (s: string) =>
        Number(
          new RegExp(`massgate_inference_batch_size_${s}\\{model="nsfw-mobilenet-v2",version="2"\\} (\\d+)`).exec(
            text,
          )?.[1] ?? 0,
        );
      return { batches: read('count'), rows: read('sum') };
    };
    const before = await metric();
    const together = await Promise.all([...images, ...images].map(infer));
    const after = await metric();
    together.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body.outputs[0].shape).toEqual([1, 2]);
      r.body.outputs[0].data.forEach((v: number, k: number) => {
        expect(v).toBeCloseTo(alone[i % 4]![k]!, 4);
      });
    });
    expect(after.rows - before.rows).toBe(8);
    expect(after.batches - before.batches).toBeLessThan(8); // several requests went through in one run
  });

  it('refuses to load a version whose head does not fit the feature, naming both shapes (path-free)', async () => {
    const bad = join(store, 'bad-head');
    cpSync(join(shipped, 'config.json'), join(bad, 'config.json'));
    await writeFinetunedVersion(join(bad, '1'), 1000, {
      labels: CLASSES,
      head: { path: 'head/model.json', feature: 'flatten_1' },
    });
    const r = await postJson(`${gw.url}/v2/repository/models/bad-head/load`, {});
    expect(r.body.code).toBe('MODEL_LOAD_FAILED');
    expect(r.body.error).toMatch(
      /head bad-head\/1\/head\/model\.json: its input shape \[-1,1000\] does not match the shape of feature 'flatten_1', \[-1,1280\]/,
    );
    expect(r.body.error).not.toContain(store);
    expect(
      (await postJson(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, { instances: [fixture('chelsea.jpg')] })).status,
    ).toBe(200);
  });
});
