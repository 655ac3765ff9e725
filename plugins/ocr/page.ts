import sharp from 'sharp';
import { z } from 'zod';
import { bytesInput, encodedInstance } from '../instances.ts';
import { bytesOf, fromUtf8, utf8, type Tensor } from '../../core/tensor.ts';
import { definePlugin, type PluginContext } from '../plugin.ts';
import { decodeImage } from '../image/decode.ts';
import { GatewayError } from '../../core/errors.ts';
import { boxesOf, detectorStep } from './page-step.ts';
import { lineFeeds, ocrRecognizer } from './recognizer.ts';
import { linesOf } from './rec-step.ts';

const Params = z
  .object({
    /** The recogniser: another model of the store (plugin 'ocr-recognizer'). */
    recognizer: z.string().min(1),
    /** Longest side fed to the detector (sides become multiples of 32). */
    limitSide: z.number().int().positive().default(960),
    threshold: z.number().min(0).max(1).default(0.3),
    boxThreshold: z.number().min(0).max(1).default(0.6),
    unclipRatio: z.number().positive().default(1.5),
    maxPixels: z.number().int().positive().default(40_000_000),
  })
  .strict();
type PageParams = z.infer<typeof Params>;

interface Page {
  input: string | Uint8Array;
  rgb?: Buffer;
  width?: number;
  height?: number;
}

/**
 * The detector step's input for one page: resized to multiples of 32 (PaddleOCR's DetResizeForTest, by
 * sharp off the event loop) as raw RGB, with the page's own size; the step normalises it.
 */
async function detectorFeeds(
  page: Page,
  ctx: Pick<PluginContext<PageParams>, 'params'>,
): Promise<Record<string, Tensor>> {
  const { width: w, height: h, rgb } = page as Required<Page>;
  const ratio = Math.min(1, ctx.params.limitSide / Math.max(w, h));
  const W = Math.max(32, Math.round((w * ratio) / 32) * 32);
  const H = Math.max(32, Math.round((h * ratio) / 32) * 32);
  const resized = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .resize(W, H, { fit: 'fill' })
    .raw()
    .toBuffer();
  return {
    pixels: {
      name: 'pixels',
      datatype: 'UINT8',
      shape: [1, H, W, 3],
      data: new Uint8Array(resized.buffer, resized.byteOffset, resized.byteLength),
    },
    size: { name: 'size', datatype: 'INT32', shape: [1, 2], data: Int32Array.of(w, h) },
  };
}

/** Raw RGB of a box cut from the page. */
function crop(page: Required<Page>, b: { x1: number; y1: number; x2: number; y2: number }) {
  const width = b.x2 - b.x1,
    height = b.y2 - b.y1;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    rgb.set(
      page.rgb.subarray(((b.y1 + y) * page.width + b.x1) * 3, ((b.y1 + y) * page.width + b.x2) * 3),
      y * width * 3,
    );
  return { rgb, width, height };
}

/**
 * Full-page OCR: PaddleOCR's DB detector finds text boxes, each box is cut from the page and read by the
 * recogniser model named in `params.recognizer` (through its own scheduler, so lines batch). Pages are
 * detected one at a time (their sizes differ). Answers `{text, lines: [{text, confidence, box}]}`.
 * The HTTP thread decodes and resizes the page (sharp, on libuv's pool) and cuts the boxes; the
 * normalisation, the detector and the box search run in the detector's worker (`detectorStep`), the
 * recogniser and its CTC decoding in the recogniser's (`recognizerStep`).
 */
export const ocrPage = definePlugin<Page, PageParams>({
  name: 'ocr',
  modality: 'image',
  description: 'Page image → text lines with boxes (PaddleOCR detector + recogniser)',
  runtime: 'onnx',
  params: Params,
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [-1] }],
  /** One JSON document per page: {text, lines: [{text, confidence, box}]}. */
  outputs: [{ name: 'result', datatype: 'BYTES', shape: [-1] }],
  example: { b64: '<base64 PNG or JPEG of a page>' },
  validate(ctx) {
    if (ctx.inputs.length !== 1 || ctx.inputs[0]!.shape.length !== 4)
      throw new Error('the detector takes one NCHW image input');
  },
  parseInstance: (instance) => ({ input: encodedInstance(instance, ['b64', 'image'], 'an image') }),
  fromTensors: (inputs) => bytesInput(inputs, 'image').map((input) => ({ input })),
  /** Decodes every page; returns the detector step's input for the first (pages are run one by one in predict). */
  async preprocess(items, ctx) {
    await Promise.all(
      items.map(async (page) => {
        const img = await decodeImage(page.input, { maxPixels: ctx.params.maxPixels });
        Object.assign(page, { rgb: img.rgb, width: img.width, height: img.height });
      }),
    );
    return detectorFeeds(items[0]!, ctx);
  },
  /** Per page: its boxes (detector step), then its lines read by the recogniser's step. */
  async predict(first, ctx, items) {
    const recognizer = ctx.model(ctx.params.recognizer);
    if (recognizer.plugin !== ocrRecognizer.name || !recognizer.runStep) {
      throw new GatewayError(
        'CONFIG_INVALID',
        `model '${ctx.modelName}': its recognizer '${ctx.params.recognizer}' is not served by plugin '${ocrRecognizer.name}'`,
      );
    }
    const results = await Promise.all(
      items.map(async (page, i) => {
        const feeds = i === 0 ? first : await detectorFeeds(page, ctx);
        const boxes = boxesOf(await ctx.runStep!(feeds))[0]!;
        if (boxes.length === 0) return { text: '', lines: [] };
        const lines = linesOf(
          await recognizer.runStep!(
            await lineFeeds(
              boxes.map((b) => crop(page as Required<Page>, b)),
              { params: { maxWidth: 960, maxPixels: ctx.params.maxPixels } },
            ),
          ),
        );
        const kept = lines
          .map((l, k) => ({ ...l, box: [boxes[k]!.x1, boxes[k]!.y1, boxes[k]!.x2, boxes[k]!.y2] }))
          .filter((l) => l.text.trim().length > 0);
        return { text: kept.map((l) => l.text).join('\n'), lines: kept };
      }),
    );
    return {
      result: {
        name: 'result',
        datatype: 'BYTES',
        shape: [items.length],
        data: results.map((r) => utf8(JSON.stringify(r))),
      },
    };
  },
  step: detectorStep,
  postprocess: (outputs) => bytesOf(outputs.result!).map((b) => JSON.parse(fromUtf8(b)) as unknown),
});
