import type { Tensor } from '../../core/tensor.ts';
import { defineWorkerStep } from '../../runtimes/worker/step.ts';
import { boxesFromMap, type Box } from './boxes.ts';

/** The params the detector step reads (the page plugin's). */
interface DetectParams {
  threshold: number;
  boxThreshold: number;
  unclipRatio: number;
}

/** Detector step outputs → each page's boxes. */
export function boxesOf(outputs: Record<string, Tensor>): Box[][] {
  const counts = outputs.count!.data as Int32Array;
  const data = outputs.boxes!.data as Float64Array;
  const k = outputs.boxes!.shape[1]!;
  return Array.from(counts, (n, page) =>
    Array.from({ length: n }, (_, b) => {
      const at = (page * k + b) * 5;
      return { x1: data[at]!, y1: data[at + 1]!, x2: data[at + 2]!, y2: data[at + 3]!, score: data[at + 4]! };
    }),
  );
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * PaddleOCR's DB detector and its box search in the model's worker thread: pages resized for the
 * detector (`pixels`, RGB, sides multiples of 32) and their original sizes (`size`: width, height) in;
 * BGR ImageNet normalisation (NormalizeImage), the detector, then the box search over its probability
 * map (boxes.ts), in image coordinates: `boxes` [pages, most boxes, 5] (x1, y1, x2, y2, score; zeros
 * past a page's `count`).
 */
export const detectorStep = defineWorkerStep<DetectParams>({
  module: import.meta.url,
  export: 'detectorStep',
  inputs: [
    { name: 'pixels', datatype: 'UINT8', shape: [-1, -1, -1, 3] },
    { name: 'size', datatype: 'INT32', shape: [-1, 2] },
  ],
  outputs: [
    { name: 'boxes', datatype: 'FP64', shape: [-1, -1, 5] },
    { name: 'count', datatype: 'INT32', shape: [-1] },
  ],
  async run(feeds, ctx) {
    const [n, H, W] = feeds.pixels!.shape as [number, number, number, number];
    const rgb = feeds.pixels!.data as Uint8Array;
    const sizes = feeds.size!.data as Int32Array;
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
    const pages = Array.from({ length: n }, (_, p) =>
      boxesFromMap(
        (map.data as Float32Array).subarray(p * mapH * mapW, (p + 1) * mapH * mapW),
        mapW,
        mapH,
        sizes[2 * p]!,
        sizes[2 * p + 1]!,
        { ...ctx.params, minSize: 3 },
      ),
    );
    const most = Math.max(0, ...pages.map((b) => b.length));
    const boxes = new Float64Array(n * most * 5);
    for (const [p, list] of pages.entries())
      for (const [k, b] of list.entries()) boxes.set([b.x1, b.y1, b.x2, b.y2, b.score], (p * most + k) * 5);
    return {
      boxes: { name: 'boxes', datatype: 'FP64', shape: [n, most, 5], data: boxes },
      count: { name: 'count', datatype: 'INT32', shape: [n], data: Int32Array.from(pages, (b) => b.length) },
    };
  },
});
