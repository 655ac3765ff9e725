import sharp from 'sharp';
import { z } from 'zod';
import { bytesInput, encodedInstance } from '../instances.ts';
import type { Tensor } from '../../core/tensor.ts';
import { definePlugin, type PluginContext } from '../plugin.ts';
import { decodeImage } from '../image/decode.ts';
import { linesOf, recognizerStep } from './rec-step.ts';

const HEIGHT = 48;

const Params = z
  .object({
    /** Widest line image fed to the model, in pixels at height 48. */
    maxWidth: z.number().int().positive().default(960),
    maxPixels: z.number().int().positive().default(40_000_000),
  })
  .strict();
type RecognizerParams = z.infer<typeof Params>;

/**
 * A text-line image: bytes as sent, or raw RGB already decoded (crops from the page pipeline), read
 * turned by 180° when `upsideDown`.
 */
export type LineImage = string | Uint8Array | { rgb: Uint8Array; width: number; height: number; upsideDown?: boolean };

/** A line image resized to height 48 (aspect kept, width capped), as raw RGB. */
async function toLine(item: LineImage, p: RecognizerParams): Promise<{ rgb: Buffer; width: number }> {
  if (typeof item === 'object' && !(item instanceof Uint8Array)) {
    const width = Math.min(p.maxWidth, Math.max(8, Math.round((item.width * HEIGHT) / item.height)));
    const image = sharp(item.rgb, { raw: { width: item.width, height: item.height, channels: 3 } });
    if (item.upsideDown) image.rotate(180);
    const { data } = await image.resize(width, HEIGHT, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    return { rgb: data, width };
  }
  const img = await decodeImage(item, { height: HEIGHT, maxPixels: p.maxPixels });
  if (img.width <= p.maxWidth) return { rgb: img.rgb, width: img.width };
  return toLine({ rgb: img.rgb, width: img.width, height: img.height }, p);
}

/**
 * The recogniser step's input (`lines`, the model's NCHW input): every line at height 48, padded to the
 * widest line of the batch (as PaddleOCR does) or to `width`, BGR channel order, values (x/255 − 0.5) / 0.5.
 */
export async function lineFeeds(
  items: readonly LineImage[],
  ctx: Pick<PluginContext<RecognizerParams>, 'params'>,
  width = 0,
): Promise<Record<string, Tensor>> {
  const lines = await Promise.all(items.map((i) => toLine(i, ctx.params)));
  width ||= Math.ceil(Math.max(...lines.map((l) => l.width)) / 8) * 8;
  const plane = HEIGHT * width;
  const data = new Float32Array(items.length * 3 * plane);
  lines.forEach((l, n) => {
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < l.width; x++) {
        const src = (y * l.width + x) * 3;
        for (let c = 0; c < 3; c++)
          data[n * 3 * plane + c * plane + y * width + x] = (l.rgb[src + 2 - c]! / 255 - 0.5) / 0.5;
      }
    }
  });
  return { lines: { name: 'lines', datatype: 'FP32', shape: [items.length, 3, HEIGHT, width], data } };
}

/**
 * Text-line recognition with PaddleOCR PP-OCRv4's recogniser (6623 characters + space): a cropped line
 * image in, `{text, confidence}` out. Lines of a request batch together, padded to the widest; the
 * model and its CTC decoding run in the worker (`recognizerStep`), whose `text` and `confidence` are
 * also the v2 outputs.
 */
export const ocrRecognizer = definePlugin<LineImage, RecognizerParams>({
  name: 'ocr-recognizer',
  modality: 'image',
  description: 'Text-line image → text (PaddleOCR recogniser, CTC decoding)',
  runtime: 'onnx',
  params: Params,
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [-1] }],
  example: { b64: '<base64 PNG of one line of text>' },
  validate(ctx) {
    const width = ctx.outputs[0]?.shape.at(-1);
    if (!ctx.labels) throw new Error('configure "labels" with the keys file (ppocr_keys_v1.txt)');
    if (width !== undefined && width > 0 && width !== ctx.labels.length + 2) {
      throw new Error(
        `the model has ${width} classes; blank + ${ctx.labels.length} keys + space = ${ctx.labels.length + 2}`,
      );
    }
  },
  parseInstance: (instance) => encodedInstance(instance, ['b64', 'image'], 'an image'),
  fromTensors: (inputs) => bytesInput(inputs, 'image'),
  preprocess: (items, ctx) => lineFeeds(items, ctx),
  step: recognizerStep,
  postprocess: (outputs) => linesOf(outputs),
});
