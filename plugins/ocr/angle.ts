import { z } from 'zod';
import type { Tensor } from '../../core/tensor.ts';
import { bytesInput, encodedInstance } from '../instances.ts';
import { definePlugin } from '../plugin.ts';
import { type LineImage, lineFeeds } from './recognizer.ts';

/** PaddleOCR's classifier input: lines at height 48, squeezed to at most 192 wide, padded to 192. */
const WIDTH = 192;

const Params = z
  .object({
    maxPixels: z.number().int().positive().default(40_000_000),
  })
  .strict();
type AngleParams = z.infer<typeof Params>;

/**
 * The classifier's input under its input `name`: each line at height 48, at most 192 wide (wider lines
 * squeezed), padded to 192 (PaddleOCR's ClsResizeImg), BGR, values (x/255 − 0.5) / 0.5.
 */
export async function angleFeeds(
  items: readonly LineImage[],
  name: string,
  maxPixels: number,
): Promise<Record<string, Tensor>> {
  const { lines } = await lineFeeds(items, { params: { maxWidth: WIDTH, maxPixels } }, WIDTH);
  return { [name]: { ...lines!, name } };
}

/** The classifier's probabilities → each line's angle (its label, in degrees) and the probability of it. */
export function anglesOf(
  outputs: Record<string, Tensor>,
  labels: readonly string[],
): Array<{ angle: number; confidence: number }> {
  const t = Object.values(outputs)[0]!;
  const [n, k] = t.shape as [number, number];
  const p = t.data as Float32Array;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c]! > p[i * k + best]!) best = c;
    return { angle: Number(labels[best]), confidence: +p[i * k + best]!.toFixed(4) };
  });
}

/**
 * Text-line orientation with PaddleOCR's direction classifier (ch_ppocr_mobile_v2.0_cls): a line image
 * in, `{angle, confidence}` out, `angle` 0 (upright) or 180 (upside down) from the model's labels. The
 * page plugin asks it about every line it cuts and reads those found upside down turned round.
 */
export const ocrAngle = definePlugin<LineImage, AngleParams>({
  name: 'ocr-angle',
  modality: 'image',
  description: 'Text-line image → 0° or 180° (PaddleOCR text direction classifier)',
  runtime: 'onnx',
  params: Params,
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [-1] }],
  example: { b64: '<base64 PNG of one line of text>' },
  validate(ctx) {
    const labels = ctx.labels ?? [];
    if (labels.length === 0 || labels.some((l) => !/^(0|90|180|270)$/.test(l)))
      throw new Error('configure "labels" with the angle of each class in degrees, e.g. ["0", "180"]');
    const width = ctx.outputs[0]?.shape.at(-1);
    if (width !== undefined && width > 0 && width !== labels.length)
      throw new Error(`the model has ${width} classes, the labels ${labels.length}`);
  },
  parseInstance: (instance) => encodedInstance(instance, ['b64', 'image'], 'an image'),
  fromTensors: (inputs) => bytesInput(inputs, 'image'),
  preprocess: (items, ctx) => angleFeeds(items, ctx.inputs[0]!.name, ctx.params.maxPixels),
  postprocess: (outputs, ctx) => anglesOf(outputs, ctx.labels!),
});
