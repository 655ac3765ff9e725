import sharp from 'sharp';
import { z } from 'zod';
import { bytesInput, encodedInstance } from '../instances.ts';
import { bytesOf, fromUtf8, utf8, type Tensor } from '../../core/tensor.ts';
import { definePlugin, type PluginContext } from '../plugin.ts';
import { decodeImage } from '../image/decode.ts';
import { GatewayError } from '../../core/errors.ts';
import { angleFeeds, anglesOf, ocrAngle } from './angle.ts';
import type { Quad } from './geometry/rect.ts';
import { type Detection, detectionsOf, detectorStep } from './page-step.ts';
import { lineFeeds, ocrRecognizer } from './recognizer.ts';
import { linesOf } from './rec-step.ts';

const Params = z
  .object({
    /** The recogniser: another model of the store (plugin 'ocr-recognizer'). */
    recognizer: z.string().min(1),
    /** The text direction classifier (plugin 'ocr-angle'), if lines may be upside down; without it none are turned. */
    classifier: z.string().min(1).optional(),
    /** A line is read turned round when the classifier says 180° with more than this probability (PaddleOCR's cls_thresh). */
    angleThreshold: z.number().min(0).max(1).default(0.9),
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
 * sharp off the event loop) as raw RGB, and the page itself, which the step cuts the lines from; the
 * step normalises the first.
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
    page: {
      name: 'page',
      datatype: 'UINT8',
      shape: [1, h, w, 3],
      data: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength),
    },
  };
}

/** A companion model of the store, checked to be served by the plugin the pipeline needs. */
function companion(ctx: PluginContext<PageParams>, name: string, plugin: string) {
  const model = ctx.model(name);
  if (model.plugin !== plugin) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `model '${ctx.modelName}': its companion '${name}' is not served by plugin '${plugin}'`,
    );
  }
  return model;
}

/** Which lines the classifier finds upside down (none without a classifier). */
async function upsideDown(found: readonly Detection[], ctx: PluginContext<PageParams>): Promise<boolean[]> {
  if (!ctx.params.classifier) return found.map(() => false);
  const classifier = companion(ctx, ctx.params.classifier, ocrAngle.name);
  const feeds = await angleFeeds(
    found.map((d) => d.crop),
    classifier.inputs[0]!.name,
    ctx.params.maxPixels,
  );
  return anglesOf(await classifier.run(feeds), classifier.labels ?? []).map(
    (a) => a.angle === 180 && a.confidence > ctx.params.angleThreshold,
  );
}

/** A line's box: its corners from the text's own top-left (for a line read upside down, the page's bottom-right one), and their bounds. */
function placed(points: Quad, turned: boolean) {
  const q = turned ? [points[2], points[3], points[0], points[1]] : [...points];
  const xs = q.map((p) => p[0]),
    ys = q.map((p) => p[1]);
  return { box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], points: q };
}

/**
 * Full-page OCR, PaddleOCR's pipeline: the DB detector finds text boxes as rotated rectangles, each is cut
 * from the page and levelled, the direction classifier named in `params.classifier` (if any) says which
 * are upside down, and the recogniser named in `params.recognizer` reads them (those turned round), each
 * companion through its own scheduler so lines batch. Pages are detected one at a time (their sizes
 * differ). Answers `{text, lines: [{text, confidence, box, points}]}` in reading order along the page's
 * text direction (reversed when most lines are upside down: a page scanned upside down); `points` are a
 * line's four corners clockwise from its text's top-left, `box` their bounds [x1, y1, x2, y2].
 * The HTTP thread decodes and resizes the page (sharp, on libuv's pool); the normalisation, the
 * detector, the box search and the crops run in the detector's worker (`detectorStep`), the recogniser
 * and its CTC decoding in the recogniser's (`recognizerStep`).
 */
export const ocrPage = definePlugin<Page, PageParams>({
  name: 'ocr',
  modality: 'image',
  description: 'Page image → text lines with rotated boxes (PaddleOCR detector, direction classifier, recogniser)',
  runtime: 'onnx',
  params: Params,
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [-1] }],
  /** One JSON document per page: {text, lines: [{text, confidence, box, points}]}. */
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
  /** Per page: its lines (detector step), their orientation (classifier), then their text (recogniser step). */
  async predict(first, ctx, items) {
    const recognizer = companion(ctx, ctx.params.recognizer, ocrRecognizer.name);
    if (!recognizer.runStep) throw new GatewayError('CONFIG_INVALID', `model '${ctx.params.recognizer}' has no step`);
    const results = await Promise.all(
      items.map(async (page, i) => {
        const feeds = i === 0 ? first : await detectorFeeds(page, ctx);
        const found = detectionsOf(await ctx.runStep!(feeds))[0]!;
        if (found.length === 0) return { text: '', lines: [] };
        const turned = await upsideDown(found, ctx);
        const read = linesOf(
          await recognizer.runStep!(
            await lineFeeds(
              found.map((d, k) => ({ ...d.crop, upsideDown: turned[k]! })),
              { params: { maxWidth: 960, maxPixels: ctx.params.maxPixels } },
            ),
          ),
        );
        const kept = read
          .map((l, k) => ({ ...l, ...placed(found[k]!.points, turned[k]!), turned: turned[k]! }))
          .filter((l) => l.text.trim().length > 0);
        // Mostly upside down: the page itself was, and its reading order runs backwards.
        if (kept.filter((l) => l.turned).length * 2 > kept.length) kept.reverse();
        const lines = kept.map(({ turned: _, ...l }) => l);
        return { text: lines.map((l) => l.text).join('\n'), lines };
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
