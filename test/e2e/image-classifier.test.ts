import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { postJson, getJson, useGateway } from '../support/gateway.ts';

const fixture = (f: string) => readFileSync(new URL(`../fixtures/images/${f}`, import.meta.url));
const LABELS = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

describe('real pretrained image classifier (nsfwjs MobileNetV2 on TensorFlow.js) from the default store', () => {
  const gw = useGateway({ LOAD_MODELS: 'nsfw-mobilenet-v2' });

  it('describes the model: plugin, provider, labels, licence', async () => {
    const { status, body } = await getJson(`${gw.url}/v2/models/nsfw-mobilenet-v2`);
    expect(status).toBe(200);
    expect(body.platform).toBe('tensorflowjs');
    expect(body.inputs).toEqual([{ name: 'image', datatype: 'BYTES', shape: [-1] }]);
    expect(body.parameters.plugin).toBe('image-classifier');
    expect(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']).toContain(body.parameters.provider);
    expect(body.parameters.labels).toEqual(LABELS);
    expect(body.parameters.license.name).toBe('MIT');
  });

  it('classifies real photos (JPEG and PNG) as Neutral through the friendly API', async () => {
    const r = await postJson(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, {
      instances: [fixture('chelsea.jpg').toString('base64'), { b64: fixture('coffee.png').toString('base64') }],
      parameters: { top_k: 3 },
    });
    expect(r.status).toBe(200);
    expect(r.body.model_version).toBe('1');
    expect(r.body.predictions).toHaveLength(2);
    for (const p of r.body.predictions) {
      expect(p.label).toBe('Neutral');
      expect(p.score).toBeGreaterThan(0.6);
      expect(p.top_k).toHaveLength(3);
      expect(p.top_k[0].score).toBeGreaterThanOrEqual(p.top_k[1].score);
      expect(LABELS).toContain(p.top_k[2].label);
    }
  });

  it('takes a multipart upload', async () => {
    const form = new FormData();
    form.append('image', new Blob([fixture('chelsea.jpg')], { type: 'image/jpeg' }), 'chelsea.jpg');
    const res = await fetch(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect((await res.json()).predictions[0].label).toBe('Neutral');
  });

  it('serves the same model over v2 with a BYTES input, with the classification extension', async () => {
    const r = await postJson(`${gw.url}/v2/models/nsfw-mobilenet-v2/infer`, {
      inputs: [
        {
          name: 'image',
          datatype: 'BYTES',
          shape: [2],
          data: [fixture('chelsea.jpg').toString('base64'), fixture('coffee.png').toString('base64')],
        },
      ],
      outputs: [{ name: 'dense_3', parameters: { classification: 2 } }],
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs[0].shape).toEqual([2, 2]);
    expect(r.body.outputs[0].data[0]).toMatch(/^0\.\d+:2:Neutral$/);
    const raw = await postJson(`${gw.url}/v2/models/nsfw-mobilenet-v2/infer`, {
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [fixture('astronaut.jpg').toString('base64')] }],
    });
    expect(raw.body.outputs[0].shape).toEqual([1, 5]);
    expect(raw.body.outputs[0].data.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 3);
  });

  it.each([
    ['a truncated JPEG', () => fixture('truncated.jpg').toString('base64'), 400, /could not decode image/],
    ['random bytes', () => fixture('random.bin').toString('base64'), 400, /could not decode image/],
    ['not base64', () => 'hello, world!', 400, /neither image bytes .* nor base64/],
    ['a number', () => 42, 400, /an image instance is/],
  ])('%s → %i with a clear message', async (_, make, status, message) => {
    const r = await postJson(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, { instances: [make()] });
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(message);
  });

  it('a corrupt image over v2 is a 400 too, and so is {"instances": []}', async () => {
    const r = await postJson(`${gw.url}/v2/models/nsfw-mobilenet-v2/infer`, {
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [fixture('truncated.jpg').toString('base64')] }],
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('INVALID_IMAGE');
    expect((await postJson(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, { instances: [] })).status).toBe(400);
    expect((await postJson(`${gw.url}/v1/models/nope:predict`, { instances: ['x'] })).status).toBe(404);
  });
});
