import sharp from 'sharp';
import { z } from 'zod';
import { bytesInput, encodedInstance } from '../instances.ts';
import { floats, type Tensor } from '../../core/tensor.ts';
import { definePlugin, type PluginContext } from '../plugin.ts';
import { decodeImage } from '../image/decode.ts';

const HEIGHT = 48;

const Params = z.object({
  /** Widest line image fed to the model, in pixels at height 48. */
  maxWidth: z.number().int().positive().default(960),
  maxPixels: z.number().int().positive().default(40_000_000),
}).strict();
export type RecognizerParams = z.infer<typeof Params>;

/** A text-line image: bytes as sent, or raw RGB already decoded (crops from the page pipeline). */
export type LineImage = string | Uint8Array | { rgb: Uint8Array; width: number; height: number };

/** A line image resized to height 48 (aspect kept, width capped), as raw RGB. */
async function toLine(item: LineImage, p: RecognizerParams): Promise<{ rgb: Buffer; width: number }> {
  if (typeof item === 'object' && !(item instanceof Uint8Array)) {
    const width = Math.min(p.maxWidth, Math.max(8, Math.round((item.width * HEIGHT) / item.height)));
    const { data } = await sharp(item.rgb, { raw: { width: item.width, height: item.height, channels: 3 } })
      .resize(width, HEIGHT, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    return { rgb: data, width };
  }
  const img = await decodeImage(item, { height: HEIGHT, maxPixels: p.maxPixels });
  if (img.width <= p.maxWidth) return { rgb: img.rgb, width: img.width };
  return toLine({ rgb: img.rgb, width: img.width, height: img.height }, p);
}

/**
 * Feeds for PaddleOCR's recogniser: every line at height 48, padded to the widest line of the batch
 * (as PaddleOCR does), BGR channel order, values (x/255 − 0.5) / 0.5, NCHW.
 */
export async function lineFeeds(items: readonly LineImage[], ctx: Pick<PluginContext<RecognizerParams>, 'inputs' | 'params'>): Promise<Record<string, Tensor>> {
  const lines = await Promise.all(items.map((i) => toLine(i, ctx.params)));
  const width = Math.ceil(Math.max(...lines.map((l) => l.width)) / 8) * 8;
  const plane = HEIGHT * width;
  const data = new Float32Array(items.length * 3 * plane);
  lines.forEach((l, n) => {
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < l.width; x++) {
        const src = (y * l.width + x) * 3;
        for (let c = 0; c < 3; c++) data[n * 3 * plane + c * plane + y * width + x] = (l.rgb[src + 2 - c]! / 255 - 0.5) / 0.5;
      }
    }
  });
  const name = ctx.inputs[0]!.name;
  return { [name]: { name, datatype: 'FP32', shape: [items.length, 3, HEIGHT, width], data } };
}

/**
 * Greedy CTC decoding over PaddleOCR's character list: index 0 is the blank, then the keys file, then
 * a space. Repeats collapse, blanks drop, surrounding spaces are trimmed; confidence is the mean
 * probability of the kept characters.
 */
export function ctcDecode(outputs: Record<string, Tensor>, keys: readonly string[]): Array<{ text: string; confidence: number }> {
  const t = Object.values(outputs)[0]!;
  const [n, steps, classes] = t.shape as [number, number, number];
  const probs = floats(t);
  const charset = ['', ...keys, ' '];
  return Array.from({ length: n }, (_, i) => {
    let text = '';
    let sum = 0;
    let kept = 0;
    let prev = -1;
    for (let s = 0; s < steps; s++) {
      const row = (i * steps + s) * classes;
      let best = 0;
      for (let c = 1; c < classes; c++) if (probs[row + c]! > probs[row + best]!) best = c;
      if (best !== 0 && best !== prev) {
        text += charset[best] ?? '';
        sum += probs[row + best]!;
        kept++;
      }
      prev = best;
    }
    return { text: text.trim(), confidence: kept ? +(sum / kept).toFixed(4) : 0 };
  });
}

/**
 * Text-line recognition with PaddleOCR PP-OCRv4's recogniser (6623 characters + space): a cropped line
 * image in, `{text, confidence}` out. Lines of a request batch together, padded to the widest.
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
      throw new Error(`the model has ${width} classes; blank + ${ctx.labels.length} keys + space = ${ctx.labels.length + 2}`);
    }
  },
  parseInstance: (instance) => encodedInstance(instance, ['b64', 'image'], 'an image'),
  fromTensors: (inputs) => bytesInput(inputs, 'image'),
  preprocess: (items, ctx) => lineFeeds(items, ctx),
  postprocess: (outputs, ctx) => ctcDecode(outputs, ctx.labels ?? []),
});
