import type { Tensor } from '../../core/tensor.ts';
import { defineWorkerStep } from '../../runtimes/worker/step.ts';
import { boxesFromMap, type TextBox } from './boxes.ts';
import type { Point, Quad } from './geometry/rect.ts';
import { warpParallelogram, type RgbImage } from './geometry/warp.ts';

/** The params the detector step reads (the page plugin's). */
interface DetectParams {
  threshold: number;
  boxThreshold: number;
  unclipRatio: number;
}

/** One detected line: its box on the page (corners clamped to the page) and its crop, levelled. */
export interface Detection extends TextBox {
  crop: RgbImage;
}

/** Detector step outputs → each page's detections, in reading order. */
export function detectionsOf(outputs: Record<string, Tensor>): Detection[][] {
  const counts = outputs.count!.data as Int32Array;
  const boxes = outputs.boxes!.data as Float64Array;
  const sizes = outputs.cropSizes!.data as Int32Array;
  const crops = outputs.crops!.data as Uint8Array;
  const [most, bytes] = [outputs.boxes!.shape[1]!, outputs.crops!.shape[1]!];
  return Array.from(counts, (n, page) => {
    let offset = page * bytes;
    return Array.from({ length: n }, (_, b) => {
      const at = (page * most + b) * 9;
      const points = [0, 1, 2, 3].map((k) => [boxes[at + 2 * k]!, boxes[at + 2 * k + 1]!] as const) as unknown as Quad;
      const [width, height] = [sizes[(page * most + b) * 2]!, sizes[(page * most + b) * 2 + 1]!];
      const crop = { rgb: crops.subarray(offset, offset + width * height * 3), width, height };
      offset += width * height * 3;
      return { points, score: boxes[at + 8]!, crop };
    });
  });
}

/** PaddleOCR turns a crop at least this much taller than wide by 90° (vertical text). */
const VERTICAL = 1.5;

/**
 * A box's crop, levelled: the box's parallelogram warped upright at its own size in page pixels
 * (PaddleOCR's get_rotate_crop_image); a box 1.5 times taller than wide is read turned by 90°
 * counter-clockwise, as PaddleOCR does for vertical text.
 */
function cropOf(page: RgbImage, box: Quad): RgbImage {
  // Whole pixels, as PaddleOCR rounds its boxes: a level box is then copied pixel for pixel, not resampled.
  const [tl, tr, br, bl] = box.map(([x, y]) => [Math.round(x), Math.round(y)] as const) as unknown as Quad;
  const len = (a: Point, b: Point) => Math.hypot(b[0] - a[0], b[1] - a[1]);
  const width = Math.max(1, Math.round(len(tl, tr))),
    height = Math.max(1, Math.round(len(tl, bl)));
  if (height >= VERTICAL * width)
    return { rgb: warpParallelogram(page, tr, br, tl, height, width), width: height, height: width };
  return { rgb: warpParallelogram(page, tl, tr, bl, width, height), width, height };
}

const clampQuad = (q: Quad, w: number, h: number): Quad =>
  q.map(([x, y]) => [
    Math.min(w, Math.max(0, Math.round(x))),
    Math.min(h, Math.max(0, Math.round(y))),
  ]) as unknown as Quad;

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * PaddleOCR's DB detector, its box search and the line crops, in the model's worker thread: pages resized
 * for the detector (`pixels`, RGB, sides multiples of 32) and the pages themselves (`page`, RGB at full
 * size) in; BGR ImageNet normalisation (NormalizeImage), the detector, the box search over its
 * probability map (boxes.ts: rotated boxes in reading order), then each box cut from the full page and
 * levelled (geometry/warp.ts). Out: `boxes` [pages, most boxes, 9] (four corners x, y clockwise from
 * the text's top-left, clamped to the page, then the score; zeros past a page's `count`), `cropSizes`
 * [pages, most boxes, 2] (width, height) and `crops` [pages, bytes] (each page's crops' RGB, one after
 * the other).
 */
export const detectorStep = defineWorkerStep<DetectParams>({
  module: import.meta.url,
  export: 'detectorStep',
  inputs: [
    { name: 'pixels', datatype: 'UINT8', shape: [-1, -1, -1, 3] },
    { name: 'page', datatype: 'UINT8', shape: [-1, -1, -1, 3] },
  ],
  outputs: [
    { name: 'boxes', datatype: 'FP64', shape: [-1, -1, 9] },
    { name: 'count', datatype: 'INT32', shape: [-1] },
    { name: 'cropSizes', datatype: 'INT32', shape: [-1, -1, 2] },
    { name: 'crops', datatype: 'UINT8', shape: [-1, -1] },
  ],
  async run(feeds, ctx) {
    const [n, H, W] = feeds.pixels!.shape as [number, number, number, number];
    const [, h, w] = feeds.page!.shape as [number, number, number, number];
    const rgb = feeds.pixels!.data as Uint8Array;
    const plane = W * H;
    const data = new Float32Array(n * 3 * plane);
    for (let p = 0; p < n; p++) {
      const src = p * plane * 3,
        dst = p * 3 * plane;
      for (let i = 0; i < plane; i++)
        for (let c = 0; c < 3; c++) data[dst + c * plane + i] = (rgb[src + i * 3 + 2 - c]! / 255 - MEAN[c]!) / STD[c]!;
    }
    const name = ctx.inputs[0]!.name;
    const map = Object.values(await ctx.run({ [name]: { name, datatype: 'FP32', shape: [n, 3, H, W], data } }))[0]!;
    const [, , mapH, mapW] = map.shape as [number, number, number, number];
    const pageBytes = feeds.page!.data as Uint8Array;
    const pages = Array.from({ length: n }, (_, p) => {
      const page = { rgb: pageBytes.subarray(p * h * w * 3, (p + 1) * h * w * 3), width: w, height: h };
      return boxesFromMap(
        (map.data as Float32Array).subarray(p * mapH * mapW, (p + 1) * mapH * mapW),
        mapW,
        mapH,
        w,
        h,
        { ...ctx.params, minSize: 3 },
      ).map((b) => ({ ...b, crop: cropOf(page, b.points), points: clampQuad(b.points, w, h) }));
    });
    const most = Math.max(0, ...pages.map((b) => b.length));
    const bytes = Math.max(0, ...pages.map((b) => b.reduce((s, d) => s + d.crop.rgb.length, 0)));
    const boxes = new Float64Array(n * most * 9);
    const cropSizes = new Int32Array(n * most * 2);
    const crops = new Uint8Array(n * bytes);
    for (const [p, list] of pages.entries()) {
      let offset = p * bytes;
      for (const [k, d] of list.entries()) {
        boxes.set([...d.points.flat(), d.score], (p * most + k) * 9);
        cropSizes.set([d.crop.width, d.crop.height], (p * most + k) * 2);
        crops.set(d.crop.rgb, offset);
        offset += d.crop.rgb.length;
      }
    }
    return {
      boxes: { name: 'boxes', datatype: 'FP64', shape: [n, most, 9], data: boxes },
      count: { name: 'count', datatype: 'INT32', shape: [n], data: Int32Array.from(pages, (b) => b.length) },
      cropSizes: { name: 'cropSizes', datatype: 'INT32', shape: [n, most, 2], data: cropSizes },
      crops: { name: 'crops', datatype: 'UINT8', shape: [n, bytes], data: crops },
    };
  },
});
