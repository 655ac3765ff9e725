import { z } from 'zod';
import { GatewayError } from '../../core/errors.ts';
import { bytesInput, encodedInstance } from '../instances.ts';
import { floats, tensor, type Tensor, type TensorInfo } from '../../core/tensor.ts';
import { definePlugin, type PluginContext } from '../plugin.ts';
import { asProbabilities, predictions, topKParam } from '../top-k.ts';
import { decodeImage, toFloat, toGrey } from './decode.ts';
import { augmentImage, IMAGE_AUGMENTATIONS } from './augment.ts';

const rgb = z.tuple([z.number(), z.number(), z.number()]);

/** The image classifier's params (also the face classifier's image settings). */
export const ImageParams = z
  .object({
    /** [height, width]; read from the model's input shape when absent. */
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
    /** Tensor layout; inferred from the input shape ([N,H,W,3] or [N,3,H,W]) when absent. */
    layout: z.enum(['nhwc', 'nchw']).optional(),
    /** Per-channel normalisation after scaling to [0,1]: (x - mean) / std. */
    mean: rgb.default([0, 0, 0]),
    std: rgb.default([1, 1, 1]),
    fit: z.enum(['fill', 'cover', 'contain']).default('fill'),
    background: rgb.default([255, 255, 255]),
    topK: z.number().int().positive().default(5),
    maxPixels: z.number().int().positive().default(40_000_000),
  })
  .strict();
export type ImageParams = z.infer<typeof ImageParams>;

/** Where an image goes in a classifier model. */
export interface Geometry {
  input: TensorInfo;
  height: number;
  width: number;
  layout: 'nhwc' | 'nchw';
  /** 3 for RGB, 1 for greyscale models (luma 0.2989 R + 0.587 G + 0.114 B). */
  channels: 1 | 3;
}

/** Where the image goes in the model: its single image input, size and layout. */
export function geometry(ctx: Pick<PluginContext<ImageParams>, 'inputs' | 'params' | 'modelName'>): Geometry {
  const input = ctx.inputs[0];
  if (!input || ctx.inputs.length !== 1 || input.shape.length !== 4) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `model '${ctx.modelName}' must have one 4-D image input (has ${ctx.inputs.map((i) => `${i.name} [${i.shape}]`).join(', ')})`,
    );
  }
  const layout = ctx.params.layout ?? (input.shape[3] === 3 || input.shape[3] === 1 ? 'nhwc' : 'nchw');
  const [h, w] = layout === 'nhwc' ? [input.shape[1]!, input.shape[2]!] : [input.shape[2]!, input.shape[3]!];
  const [height, width] = ctx.params.size ?? [h, w];
  if (!(height > 0 && width > 0))
    throw new GatewayError('CONFIG_INVALID', `model '${ctx.modelName}' has a dynamic image size: set params.size`);
  const channels = (layout === 'nhwc' ? input.shape[3] : input.shape[1]) === 1 ? 1 : 3;
  return { input, height, width, layout, channels };
}

/**
 * Interleaved RGB of the model's input size → the model's float layout at `offset` of `data` (RGB or luma,
 * NHWC or NCHW, `(x / 255 - mean) / std`).
 */
export function writePixels(rgb: Uint8Array, g: Geometry, p: ImageParams, data: Float32Array, offset: number): void {
  if (g.channels === 3) toFloat(rgb, g.width, g.height, g.layout, p.mean, p.std, data, offset);
  else toGrey(rgb, p.mean[0], p.std[0], data, offset);
}

/** Refuses a model whose image input is unusable or whose output width differs from its label count. */
export function validateImageModel(ctx: Omit<PluginContext<ImageParams>, 'run' | 'runStep' | 'model'>): void {
  geometry(ctx);
  const width = ctx.outputs[0]?.shape.at(-1);
  if (ctx.labels && width !== undefined && width > 0 && width !== ctx.labels.length) {
    throw new Error(`the model outputs ${width} classes but ${ctx.labels.length} labels are configured`);
  }
}

/** The model's first output as probabilities per item (softmax applied when it is not already). */
function classScores(
  outputs: Record<string, Tensor>,
  ctx: Pick<PluginContext, 'labels'>,
): { labels: readonly string[]; scores: number[][] } {
  const t = Object.values(outputs)[0]!;
  const classes = t.shape.at(-1)!;
  const values = floats(t);
  const labels = ctx.labels ?? Array.from({ length: classes }, (_, i) => String(i));
  return {
    labels,
    scores: Array.from({ length: values.length / classes }, (_, r) =>
      asProbabilities(values.subarray(r * classes, (r + 1) * classes)),
    ),
  };
}

/**
 * Image classification with sharp preprocessing: decode (JPEG, PNG, WebP, AVIF, GIF, TIFF; EXIF orientation,
 * alpha, CMYK and greyscale handled), resize to the model's input, scale to [0,1] with optional
 * mean/std normalisation; answers the top-k labels with scores.
 */
export const imageClassifier = definePlugin<string | Uint8Array, ImageParams>({
  name: 'image-classifier',
  modality: 'image',
  description: 'Image → top-k labels. Friendly API instances: base64 image strings, {"b64": …} or multipart files.',
  runtime: 'tfjs',
  params: ImageParams,
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [-1] }],
  example: { b64: '<base64 JPEG or PNG>' },
  validate: validateImageModel,
  parseInstance: (instance) => encodedInstance(instance, ['b64', 'image'], 'an image'),
  fromTensors: (inputs) => bytesInput(inputs, 'image'),
  async preprocess(items, ctx) {
    const g = geometry(ctx);
    const size = g.height * g.width * g.channels;
    const data = new Float32Array(items.length * size);
    const p = ctx.params;
    await Promise.all(
      items.map(async (item, i) => {
        const img = await decodeImage(item, {
          width: g.width,
          height: g.height,
          fit: p.fit,
          background: p.background,
          maxPixels: p.maxPixels,
        });
        writePixels(img.rgb, g, p, data, i * size);
      }),
    );
    const shape =
      g.layout === 'nhwc'
        ? [items.length, g.height, g.width, g.channels]
        : [items.length, g.channels, g.height, g.width];
    return { [g.input.name]: tensor(g.input.name, 'FP32', shape, data) };
  },
  scores: classScores,
  finetune: {
    augmentations: IMAGE_AUGMENTATIONS,
    fromFile: (bytes) => bytes,
    async check(item, ctx) {
      const g = geometry(ctx);
      await decodeImage(item, {
        width: g.width,
        height: g.height,
        fit: ctx.params.fit,
        background: ctx.params.background,
        maxPixels: ctx.params.maxPixels,
      });
    },
    augment: (item, names, strength, random) => augmentImage(item, names, strength, random),
  },
  postprocess(outputs, ctx, _items, options) {
    const { labels, scores } = classScores(outputs, ctx);
    return predictions(scores, labels, topKParam(options, ctx.params.topK));
  },
});
