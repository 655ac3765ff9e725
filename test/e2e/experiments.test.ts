import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempStore } from '../support/tiny-models.ts';
import { startGateway, postJson, getJson, type JsonBody, type RunningGateway } from '../support/gateway.ts';

const TEXTS = [
  'The weather is lovely today and we are going for a long walk in the park.',
  "Le temps est magnifique aujourd'hui et nous allons faire une longue promenade dans le parc.",
  'Das Wetter ist heute herrlich und wir machen einen langen Spaziergang im Park.',
];
const image = (f: string) => readFileSync(new URL(`../fixtures/images/${f}`, import.meta.url)).toString('base64');

describe('experiments over real models of the default store', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    // A copy of the default store's folders: experiments created here are written to the store, not to models/.
    const store = tempStore();
    const names = [
      'lang-fasttext',
      'lang-cld3',
      'lang-lande',
      'lang-ensemble',
      'lang-ab',
      'nsfw-mobilenet-v2',
      'nsfw-mobilenet-v2-mid',
    ];
    for (const n of names)
      cpSync(fileURLToPath(new URL(`../../models/${n}`, import.meta.url)), join(store, n), { recursive: true });
    gw = await startGateway({ MODEL_STORE: store });
  });
  afterAll(() => gw?.close());

  it('the example experiment lang-ab (declared in models/) splits v1 traffic, attributes each answer and mirrors it to the ensemble', async () => {
    const variants: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${gw.url}/v1/models/lang-ab:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': `user-${i}` },
        body: JSON.stringify({ instances: TEXTS.map((text) => ({ text })) }),
      });
      const body = (await res.json()) as JsonBody;
      expect(res.status).toBe(200);
      expect(body.variant).toBe(res.headers.get('massgate-variant'));
      expect(body.model_name).toBe(body.variant === 'fasttext' ? 'lang-fasttext' : 'lang-cld3');
      expect(body.predictions.map((p: { label: string }) => p.label)).toEqual(['en', 'fr', 'de']);
      variants.push(body.variant);
    }
    expect(variants.filter((v) => v === 'fasttext').length).toBeGreaterThan(20); // 90/10 by weight
    await vi.waitUntil(
      async () => (await getJson(`${gw.url}/v1/experiments/lang-ab`)).body.figures.ensemble.shadow.copies >= 30,
      { timeout: 20_000, interval: 10 },
    );
    const figures = (await getJson(`${gw.url}/v1/experiments/lang-ab`)).body.figures;
    expect(figures.fasttext.requests + figures.cld3.requests).toBe(30);
    expect(figures.ensemble.shadow.agreed).toBe(30); // the three models agree on these sentences
    expect(figures.ensemble.shadow.latency_ms.p50).toBeGreaterThan(0);
    expect(figures.fasttext.top_labels).toEqual({
      en: figures.fasttext.requests,
      fr: figures.fasttext.requests,
      de: figures.fasttext.requests,
    });
    const listed = (await getJson(`${gw.url}/v1/experiments`)).body.experiments.map((e: { name: string }) => e.name);
    expect(listed).toContain('lang-ab');
    // A key in the body's parameters (`ab_key`) is sticky like the header: the same key, the same variant.
    for (let i = 0; i < 10; i++) {
      const r = await postJson(`${gw.url}/v1/models/lang-ab:predict`, {
        instances: [{ text: TEXTS[0] }],
        parameters: { ab_key: `user-${i}` },
      });
      expect(r.status).toBe(200);
      expect(r.body.variant).toBe(variants[i]);
    }
  });

  it('label sets that do not overlap are refused: lande says "eng" where fastText says "en"', async () => {
    const r = await postJson(`${gw.url}/v1/experiments`, {
      name: 'lang-bad',
      variants: ['lang-fasttext', { target: 'lang-lande', shadow: true }],
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/labels of variant 'lang-lande'.*incompatible/);
  });

  it('two nsfwjs classifiers behind one v2 experiment with a shadow: variant in header and parameters, agreement recorded', async () => {
    const created = await postJson(`${gw.url}/v1/experiments`, {
      name: 'nsfw-ab',
      variants: [
        { name: 'v2', target: 'nsfw-mobilenet-v2' },
        { name: 'mid', target: 'nsfw-mobilenet-v2-mid', shadow: true },
      ],
    });
    expect(created.status).toBe(201);
    const meta = await getJson(`${gw.url}/v2/models/nsfw-ab`);
    const input = meta.body.inputs[0];
    for (const f of ['chelsea.jpg', 'rocket.jpg']) {
      const res = await fetch(`${gw.url}/v2/models/nsfw-ab/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ name: input.name, datatype: 'BYTES', shape: [1], data: [image(f)] }],
          outputs: [{ name: meta.body.outputs[0].name, parameters: { classification: 1 } }],
        }),
      });
      const body = (await res.json()) as JsonBody;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.headers.get('massgate-variant')).toBe('v2');
      expect(body.parameters).toMatchObject({ experiment: 'nsfw-ab', variant: 'v2' });
      expect(body.outputs[0].data[0]).toMatch(/:Neutral$/);
    }
    await vi.waitUntil(
      async () => (await getJson(`${gw.url}/v1/experiments/nsfw-ab`)).body.figures.mid.shadow.copies === 2,
      { timeout: 20_000, interval: 10 },
    );
    const f = (await getJson(`${gw.url}/v1/experiments/nsfw-ab`)).body.figures;
    // Compared (the graph model names its output Identity, the layers model dense_3: matched by position); the two nets
    // differ on one image.
    expect(f.mid.shadow, JSON.stringify(f)).toMatchObject({ compared: 2, failed: 0 });
    expect(f.mid.shadow.agreed + f.mid.shadow.disagreed).toBe(2);
    expect(f.v2.top_labels).toEqual({ Neutral: 2 });
  });
});
