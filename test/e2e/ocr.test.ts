import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { startGateway, postJson, useGateway } from '../support/gateway.ts';
import { storeWithShippedModel } from '../support/tiny-models.ts';
import { charAccuracy, PAGE_LINES, renderPage } from '../support/ocr-pages.ts';

const png = (f: string) => readFileSync(new URL(`../fixtures/${f}`, import.meta.url)).toString('base64');

describe('OCR on real PaddleOCR PP-OCRv4 models', () => {
  const gw = useGateway({ LOAD_MODELS: 'ocr-rec,ocr-cls,ocr' });

  it('the recogniser reads a rendered line exactly', async () => {
    const r = await postJson(`${gw.url}/v1/models/ocr-rec:predict`, { instances: [png('ocr/hello-line.png')] });
    expect(r.status).toBe(200);
    expect(r.body.predictions[0].text).toBe('Hello World 2024');
    expect(r.body.predictions[0].confidence).toBeGreaterThan(0.8);
  });

  it('with batching.padding on the width axis, lines of different widths share batches, each read correctly', async () => {
    const padded = await startGateway({ MODEL_STORE: storeWithShippedModel('ocr-rec', { padding: { axes: [3] } }) });
    try {
      const line = readFileSync(new URL('../fixtures/ocr/hello-line.png', import.meta.url));
      const wide = (await sharp(line).extend({ right: 160, background: '#ffffff' }).png().toBuffer()).toString(
        'base64',
      );
      // Batches of more than 8 rows (the `le="16"` bucket less the `le="8"` one): with 8 lines of each
      // width, only batches that mixed the widths can hold that many.
      const mixed = async () => {
        const m = await (await fetch(`${padded.url}/metrics`)).text();
        const bucket = (le: number) =>
          Number(
            new RegExp(`massgate_inference_batch_size_bucket\\{le="${le}",model="ocr-rec",version="1"\\} (\\d+)`).exec(
              m,
            )?.[1] ?? 0,
          ); // absent before the first batch
        return bucket(16) - bucket(8);
      };
      const before = await mixed();
      // The first request occupies the instance; the other 15 queue meanwhile and leave together.
      const rs = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          postJson(`${padded.url}/v1/models/ocr-rec:predict`, {
            instances: [i % 2 ? wide : png('ocr/hello-line.png')],
          }),
        ),
      );
      for (const r of rs) {
        expect(r.status).toBe(200);
        expect(r.body.predictions[0].text).toBe('Hello World 2024');
      }
      expect((await mixed()) - before).toBeGreaterThanOrEqual(1);
    } finally {
      await padded.close();
    }
  });

  it('the page pipeline finds and reads three lines in order', async () => {
    const r = await postJson(`${gw.url}/v1/models/ocr:predict`, { instances: [{ b64: png('ocr/page.png') }] });
    expect(r.status).toBe(200);
    const page = r.body.predictions[0];
    expect(page.lines.map((l: { text: string }) => l.text)).toEqual([
      'Massgate serves models',
      'over plain HTTP',
      'since 2026',
    ]);
    expect(page.text).toBe('Massgate serves models\nover plain HTTP\nsince 2026');
    for (const l of page.lines) expect(l.box[2]).toBeGreaterThan(l.box[0]);
  });

  type Line = { text: string; box: number[]; points: number[][] };
  const readPage = async (png: Buffer) => {
    const r = await postJson(`${gw.url}/v1/models/ocr:predict`, { instances: [{ b64: png.toString('base64') }] });
    expect(r.status).toBe(200);
    return r.body.predictions[0] as { text: string; lines: Line[] };
  };
  const degreesOf = ([a, b]: number[][]) => (Math.atan2(b![1]! - a![1]!, b![0]! - a![0]!) * 180) / Math.PI;

  // Axis-aligned boxes used to cut through the lines of a tilted page: at 5° this page read 17 % of its characters.
  it.each([-5, -2, 2, 5])('reads a page scanned %i° askew, line by line, with boxes along the tilt', async (angle) => {
    const page = await readPage(await renderPage({ angle }));
    expect(charAccuracy(page.text, PAGE_LINES.join('\n'))).toBeGreaterThanOrEqual(0.95);
    expect(page.lines).toHaveLength(PAGE_LINES.length);
    for (const l of page.lines) {
      expect(l.points).toHaveLength(4);
      // Clockwise from the top-left: the top side runs along the tilt (sharp turns clockwise for a positive angle).
      expect(degreesOf(l.points)).toBeCloseTo(angle, 0);
      const [tl, tr, br, bl] = l.points as [number[], number[], number[], number[]];
      expect(tl[0]! < tr[0]! && tr[1]! < br[1]! && br[0]! > bl[0]! && bl[1]! > tl[1]!).toBe(true);
    }
  });

  it('reads an upside-down line the right way round (direction classifier), in its place on the page', async () => {
    const page = await readPage(await renderPage({ upsideDown: [3] }));
    expect(charAccuracy(page.text, PAGE_LINES.join('\n'))).toBeGreaterThanOrEqual(0.95);
    expect(page.lines[3]!.text).toBe(PAGE_LINES[3]);
    // Its corners start at its own top-left, the bottom-right one on the page: its top side runs right to left.
    expect(Math.abs(degreesOf(page.lines[3]!.points))).toBeCloseTo(180, 0);
    expect(Math.abs(degreesOf(page.lines[2]!.points))).toBeCloseTo(0, 0);
  });

  it('reads a page scanned upside down in its own reading order', async () => {
    const page = await readPage(await renderPage({ angle: 180 }));
    expect(charAccuracy(page.text, PAGE_LINES.join('\n'))).toBeGreaterThanOrEqual(0.95);
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

  it('one page is one detector batch (detector, box search and crops in its worker), one classifier batch and one recogniser batch for all its lines', async () => {
    const count = async (model: string) =>
      Number(
        new RegExp(`^massgate_inference_batch_size_count\\{model="${model}",version="1"\\} (\\d+)`, 'm').exec(
          await (await fetch(`${gw.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    const models = ['ocr', 'ocr-cls', 'ocr-rec'];
    const before = await Promise.all(models.map(count));
    const r = await postJson(`${gw.url}/v1/models/ocr:predict`, { instances: [{ b64: png('ocr/page.png') }] });
    expect(r.body.predictions[0].lines).toHaveLength(3);
    const after = await Promise.all(models.map(count));
    expect(after.map((n, i) => n - before[i]!)).toEqual([1, 1, 1]);
  });

  it('the recogniser answers v2 with text and confidence decoded in its worker (not the [lines, steps, 6625] probabilities)', async () => {
    const meta = await (await fetch(`${gw.url}/v2/models/ocr-rec`)).json();
    expect(meta.outputs).toEqual([
      { name: 'text', datatype: 'BYTES', shape: [-1] },
      { name: 'confidence', datatype: 'FP64', shape: [-1] },
    ]);
    const r = await postJson(`${gw.url}/v2/models/ocr-rec/infer`, {
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [png('ocr/hello-line.png')] }],
    });
    expect(r.status).toBe(200);
    const [text, confidence] = r.body.outputs;
    expect(text.data).toEqual(['Hello World 2024']);
    expect(confidence.data[0]).toBeGreaterThan(0.8);
  });

  it('refuses a corrupt image with a 400', async () => {
    const r = await postJson(`${gw.url}/v1/models/ocr:predict`, { instances: [png('images/truncated.jpg')] });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('INVALID_IMAGE');
  });
});
