import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
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

  it('GET on the predict route is 405 with Allow: POST, not a 404 about a model named "m:predict"', async () => {
    const res = await fetch(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    expect((await getJson(`${gw.url}/v1/models/nsfw-mobilenet-v2`)).body).toMatchObject({ ready: true, version: '1' });
  });

  it('honours a multipart "parameters" field holding JSON; a text field of its own wins; a bad one is a 400', async () => {
    const upload = async (fields: Record<string, string>) => {
      const form = new FormData();
      form.append('image', new Blob([fixture('chelsea.jpg')], { type: 'image/jpeg' }), 'chelsea.jpg');
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      const res = await fetch(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, { method: 'POST', body: form });
      return { status: res.status, body: await res.json() };
    };
    expect((await upload({ parameters: '{"top_k": 2}' })).body.predictions[0].top_k).toHaveLength(2);
    expect((await upload({ parameters: '{"top_k": 2}', top_k: '4' })).body.predictions[0].top_k).toHaveLength(4);
    expect((await upload({})).body.predictions[0].top_k).toHaveLength(5); // the model's default
    const bad = await upload({ parameters: '[1, 2]' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("'parameters' must be a JSON object");
    expect((await upload({ parameters: '{"top_k": ' })).status).toBe(400);
  });

  it('decodes AVIF; BMP is 415 naming the format; a URL instance is a 400 saying URLs are not fetched', async () => {
    const avif = await sharp(fixture('chelsea.jpg')).avif().toBuffer();
    const ok = await postJson(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, {
      instances: [avif.toString('base64')],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.predictions[0].label).toBe('Neutral');
    const bmp = Buffer.alloc(54 + 16);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(bmp.length, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(2, 18);
    bmp.writeInt32LE(2, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    const form = new FormData();
    form.append('image', new Blob([bmp], { type: 'image/bmp' }), 'x.bmp');
    const res = await fetch(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, { method: 'POST', body: form });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', error: expect.stringContaining('BMP') });
    for (const instance of [{ url: 'http://169.254.169.254/latest/meta-data' }, 'https://example.com/cat.jpg']) {
      const r = await postJson(`${gw.url}/v1/models/nsfw-mobilenet-v2:predict`, { instances: [instance] });
      expect(r.status).toBe(400);
      expect(r.body.error).toContain('does not fetch URLs');
    }
  });
});
