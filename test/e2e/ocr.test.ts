import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startGateway, postJson, type RunningGateway } from '../support/gateway.ts';

const png = (f: string) => readFileSync(new URL(`../fixtures/${f}`, import.meta.url)).toString('base64');

describe('OCR on real PaddleOCR PP-OCRv4 models', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ LOAD_MODELS: 'ocr-rec,ocr' });
  });
  afterAll(() => gw?.close());

  it('the recogniser reads a rendered line exactly', async () => {
    const r = await postJson(`${gw.url}/v1/models/ocr-rec:predict`, { instances: [png('ocr/hello-line.png')] });
    expect(r.status).toBe(200);
    expect(r.body.predictions[0].text).toBe('Hello World 2024');
    expect(r.body.predictions[0].confidence).toBeGreaterThan(0.8);
  });

  it('the page pipeline finds and reads three lines in order', async () => {
    const r = await postJson(`${gw.url}/v1/models/ocr:predict`, { instances: [{ b64: png('ocr/page.png') }] });
    expect(r.status).toBe(200);
    const page = r.body.predictions[0];
    expect(page.lines.map((l: { text: string }) => l.text)).toEqual(['Massgate serves models', 'over plain HTTP', 'since 2026']);
    expect(page.text).toBe('Massgate serves models\nover plain HTTP\nsince 2026');
    for (const l of page.lines) expect(l.box[2]).toBeGreaterThan(l.box[0]);
  });

  it('serves the page pipeline over v2 too: one JSON document per page in the declared output', async () => {
    const meta = await (await fetch(`${gw.url}/v2/models/ocr`)).json();
    expect(meta.outputs).toEqual([{ name: 'result', datatype: 'BYTES', shape: [-1] }]);
    const r = await postJson(`${gw.url}/v2/models/ocr/infer`, {
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [png('ocr/hello-line.png')] }],
      outputs: [{ name: 'result' }],
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.outputs[0].data[0]).text).toBe('Hello World 2024');
  });

  it('refuses a corrupt image with a 400', async () => {
    const r = await postJson(`${gw.url}/v1/models/ocr:predict`, { instances: [png('images/truncated.jpg')] });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('INVALID_IMAGE');
  });
});
