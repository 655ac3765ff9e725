import type { Tensor, TensorInfo } from '../../core/tensor.ts';
import { defineWorkerStep } from '../../runtimes/worker/step.ts';
import { BLAZEFACE_SIZE, decodeFaces, type FaceBox } from './blazeface.ts';

/** The params the detector step reads (the face-detector plugin's). */
interface DetectParams {
  minScore: number;
  iouThreshold: number;
  maxFaces: number;
}

/** Detector step outputs → each image's faces, best first. */
export function facesOf(outputs: Record<string, Tensor>): FaceBox[][] {
  const counts = outputs.count!.data as Int32Array;
  const data = outputs.boxes!.data as Float32Array;
  const k = outputs.boxes!.shape[1]!;
  return Array.from(counts, (n, image) =>
    Array.from({ length: n }, (_, f) => {
      const at = (image * k + f) * 5;
      return { x1: data[at]!, y1: data[at + 1]!, x2: data[at + 2]!, y2: data[at + 3]!, score: data[at + 4]! };
    }),
  );
}

/** BlazeFace's four outputs told apart by shape: [1, anchors, 1] logits and [1, anchors, 16] regressors. */
function outputNames(outputs: readonly TensorInfo[]) {
  const find = (anchors: number, width: number) => {
    const o = outputs.find((t) => t.shape[1] === anchors && t.shape[2] === width);
    if (!o) throw new Error(`the face detector has no [1, ${anchors}, ${width}] output (is it BlazeFace?)`);
    return o.name;
  };
  return { logits: [find(512, 1), find(384, 1)] as const, regressors: [find(512, 16), find(384, 16)] as const };
}

/** Two output tensors' data one after the other. */
function joined(a: Tensor, b: Tensor): Float32Array {
  const x = a.data as Float32Array,
    y = b.data as Float32Array;
  const out = new Float32Array(x.length + y.length);
  out.set(x);
  out.set(y, x.length);
  return out;
}

/**
 * BlazeFace and its decoding in the model's worker thread: letterboxed images (`pixels`, RGB 256×256, see
 * blazeface.ts `letterbox`) and their own sizes (`size`: width, height) in; scaling to [-1, 1], the model
 * (one image per run: its graph has a batch of 1), anchor decoding and weighted NMS, in image pixels:
 * `boxes` [images, most faces, 5] (x1, y1, x2, y2, score; zeros past an image's `count`).
 */
export const faceDetectorStep = defineWorkerStep<DetectParams>({
  module: import.meta.url,
  export: 'faceDetectorStep',
  inputs: [
    { name: 'pixels', datatype: 'UINT8', shape: [-1, BLAZEFACE_SIZE, BLAZEFACE_SIZE, 3] },
    { name: 'size', datatype: 'INT32', shape: [-1, 2] },
  ],
  outputs: [
    { name: 'boxes', datatype: 'FP32', shape: [-1, -1, 5] },
    { name: 'count', datatype: 'INT32', shape: [-1] },
  ],
  async run(feeds, ctx) {
    const n = feeds.pixels!.shape[0]!;
    const rgb = feeds.pixels!.data as Uint8Array;
    const sizes = feeds.size!.data as Int32Array;
    const names = outputNames(ctx.outputs);
    const input = ctx.inputs[0]!.name;
    const plane = BLAZEFACE_SIZE * BLAZEFACE_SIZE * 3;
    const images: FaceBox[][] = [];
    for (let i = 0; i < n; i++) {
      const data = new Float32Array(plane);
      for (let k = 0; k < plane; k++) data[k] = rgb[i * plane + k]! / 127.5 - 1;
      const out = await ctx.run(
        { [input]: { name: input, datatype: 'FP32', shape: [1, BLAZEFACE_SIZE, BLAZEFACE_SIZE, 3], data } },
        [...names.logits, ...names.regressors],
      );
      const raw = {
        logits: joined(out[names.logits[0]]!, out[names.logits[1]]!),
        regressors: joined(out[names.regressors[0]]!, out[names.regressors[1]]!),
      };
      images.push(decodeFaces(raw, { width: sizes[2 * i]!, height: sizes[2 * i + 1]! }, ctx.params));
    }
    const most = Math.max(0, ...images.map((f) => f.length));
    const boxes = new Float32Array(n * most * 5);
    for (const [i, faces] of images.entries())
      for (const [k, b] of faces.entries()) boxes.set([b.x1, b.y1, b.x2, b.y2, b.score], (i * most + k) * 5);
    return {
      boxes: { name: 'boxes', datatype: 'FP32', shape: [n, most, 5], data: boxes },
      count: { name: 'count', datatype: 'INT32', shape: [n], data: Int32Array.from(images, (f) => f.length) },
    };
  },
});
