import { describe, expect, it } from 'vitest';
import { postJson, getJson, useGateway } from '../support/gateway.ts';

const SENTENCES: Record<string, string> = {
  en: 'The weather is lovely today and we are going for a long walk in the park.',
  fr: "Le temps est magnifique aujourd'hui et nous allons faire une longue promenade dans le parc.",
  de: 'Das Wetter ist heute herrlich und wir machen einen langen Spaziergang im Park.',
  es: 'Hoy hace un tiempo estupendo y vamos a dar un largo paseo por el parque.',
  ru: 'Сегодня прекрасная погода, и мы идём на долгую прогулку в парк.',
  ja: '今日はとても良い天気なので、公園を長い時間散歩します。',
};
// lande labels with ISO 639-3 codes.
const ISO3: Record<string, string> = { en: 'eng', fr: 'fra', de: 'deu', es: 'spa', ru: 'rus', ja: 'jpn' };

describe('language identification on real models (fastText lid.176, CLD3, lande) and their ensemble', () => {
  const gw = useGateway({ LOAD_MODELS: 'lang-fasttext,lang-cld3,lang-lande,lang-ensemble,lang-cascade' });

  it.each(['lang-fasttext', 'lang-cld3', 'lang-lande', 'lang-ensemble'])(
    '%s identifies six languages',
    async (model) => {
      const r = await postJson(`${gw.url}/v1/models/${model}:predict`, {
        instances: Object.values(SENTENCES).map((text) => ({ text })),
      });
      expect(r.status).toBe(200);
      const expected = Object.keys(SENTENCES).map((l) => (model === 'lang-lande' ? ISO3[l] : l));
      expect(r.body.predictions.map((p: { label: string }) => p.label)).toEqual(expected);
      for (const p of r.body.predictions) expect(p.score).toBeGreaterThan(0.5);
    },
  );

  it('the ensemble aligns different label sets and reports each member on request', async () => {
    const meta = await getJson(`${gw.url}/v2/models/lang-ensemble`);
    expect(meta.body.parameters.labels).toContain('en');
    expect(meta.body.parameters.labels).not.toContain('eng');
    const r = await postJson(`${gw.url}/v1/models/lang-ensemble:predict`, {
      instances: [SENTENCES.de],
      parameters: { members: true },
    });
    expect(r.body.predictions[0].answered.sort()).toEqual(['lang-cld3', 'lang-fasttext', 'lang-lande']);
    for (const m of Object.values(r.body.predictions[0].members) as Array<{ label: string }>)
      expect(m.label).toBe('de');
  });

  it('the cascade lets fastText answer alone when it is sure, and consults the others when it is not', async () => {
    const r = await postJson(`${gw.url}/v1/models/lang-cascade:predict`, {
      instances: [SENTENCES.en, 'Il a plu toute la nuit.'],
    });
    expect(r.status).toBe(200);
    const [sure, unsure] = r.body.predictions;
    expect([sure.label, sure.decided_by, sure.answered]).toEqual(['en', 'lang-fasttext', ['lang-fasttext']]);
    expect(unsure.decided_by).toBeUndefined();
    expect(unsure.answered.sort()).toEqual(['lang-cld3', 'lang-fasttext', 'lang-lande']);
    expect(unsure.label).toBe('fr'); // fastText alone is only 35% sure of it
  });

  it.each(['lang-fasttext', 'lang-cld3', 'lang-lande', 'lang-ensemble', 'lang-cascade'])(
    "%s answers 'und' (undetermined) for text with no language: emoji, digits, punctuation",
    async (model) => {
      const r = await postJson(`${gw.url}/v1/models/${model}:predict`, {
        instances: ['😀😂🎉', '12345', '2024-01-01 12:00', '!!! ??? ...'],
        parameters: { members: true },
      });
      expect(r.status).toBe(200);
      for (const p of r.body.predictions) {
        expect(p).toMatchObject({ label: 'und', score: 0, top_k: [] });
        // An ensemble's members had no opinion: none shows a label (CLD3's used to show as 'en' with 0).
        for (const m of Object.values(p.members ?? {}) as Array<{ label: unknown }>) expect(m.label).toBeNull();
      }
    },
  );

  it("answers 'he' for Hebrew, CLD3 included (it says 'iw', the code withdrawn in 1989)", async () => {
    for (const model of ['lang-fasttext', 'lang-cld3', 'lang-ensemble', 'lang-cascade']) {
      const r = await postJson(`${gw.url}/v1/models/${model}:predict`, { instances: ['שלום עולם, מה שלומך היום?'] });
      expect(r.body.predictions[0].label, model).toBe('he');
    }
    const meta = await getJson(`${gw.url}/v2/models/lang-cld3`);
    expect(meta.body.parameters.labels).toContain('he');
    expect(meta.body.parameters.labels).not.toContain('iw');
  });

  it("an unsure model answers 'und' with its best guess's score; the threshold is in the model's metadata", async () => {
    const meta = await getJson(`${gw.url}/v2/models/lang-fasttext`);
    const r = await postJson(`${gw.url}/v1/models/lang-fasttext:predict`, { instances: ['Hi'] });
    expect(r.body.predictions[0].label).toBe('und');
    expect(r.body.predictions[0].score).toBeLessThan(0.25);
    expect((await getJson(`${gw.url}/v2/models/lang-ensemble`)).body.parameters.ensemble.unknown).toEqual({
      label: 'und',
      below: 0.3,
    });
    expect(meta.body.parameters.label_count).toBe(176);
  });

  it('is reachable over v2 with a BYTES input', async () => {
    const r = await postJson(`${gw.url}/v2/models/lang-fasttext/infer`, {
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [SENTENCES.fr] }],
      outputs: [{ name: 'probabilities', parameters: { classification: 1 } }],
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs[0].data[0]).toMatch(/:fr$/);
  });

  it.each([
    ['a number', 42, /a text instance is/],
    ['an empty text', '   ', /empty/],
    ['a text over the cap', 'a'.repeat(10_001), /limit is 10000/],
  ])('refuses %s with a 400', async (_, instance, message) => {
    const r = await postJson(`${gw.url}/v1/models/lang-fasttext:predict`, { instances: [instance] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(message);
  });
});

describe("programming-language detection (VS Code's model on TensorFlow.js)", () => {
  const gw = useGateway({ LOAD_MODELS: 'code-language', LOG_LEVEL: 'error' });

  const SNIPPETS: Record<string, string> = {
    py: 'import os\n\ndef list_files(path):\n    for name in os.listdir(path):\n        if name.endswith(".py"):\n            print(name)\n\nif __name__ == "__main__":\n    list_files(".")\n',
    js: 'const express = require("express");\nconst app = express();\napp.get("/", (req, res) => {\n  res.send("hello");\n});\napp.listen(3000, () => console.log("listening"));\n',
    rs: 'use std::collections::HashMap;\n\nfn main() {\n    let mut counts: HashMap<String, i32> = HashMap::new();\n    for word in "a b a".split_whitespace() {\n        *counts.entry(word.to_string()).or_insert(0) += 1;\n    }\n    println!("{:?}", counts);\n}\n',
    sql: 'SELECT customers.name, COUNT(orders.id) AS order_count\nFROM customers\nLEFT JOIN orders ON orders.customer_id = customers.id\nGROUP BY customers.name\nORDER BY order_count DESC;\n',
  };

  it('shows a code snippet as its example, and names its language', async () => {
    const meta = await getJson(`${gw.url}/v2/models/code-language`);
    const [example] = meta.body.parameters.example.instances;
    expect(example.text).toMatch(/def greet/);
    const r = await postJson(`${gw.url}/v1/models/code-language:predict`, { instances: [example] });
    expect(r.body.predictions[0].label).toBe('py');
  });

  it('names the language of real source snippets', async () => {
    const r = await postJson(`${gw.url}/v1/models/code-language:predict`, { instances: Object.values(SNIPPETS) });
    expect(r.status).toBe(200);
    expect(r.body.predictions.map((p: { label: string }) => p.label)).toEqual(Object.keys(SNIPPETS));
  });
});
