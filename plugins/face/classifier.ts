import { z } from 'zod';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import { bytesOf, fromUtf8, tensor, utf8, type Tensor } from '../../core/tensor.ts';
import { bytesInput } from '../instances.ts';
import { definePlugin, type PluginContext } from '../plugin.ts';
import { predictions, topKParam } from '../top-k.ts';
import { geometry, ImageParams, validateImageModel, writePixels } from '../image/classifier.ts';
import { augmentImage, IMAGE_AUGMENTATIONS } from '../image/augment.ts';
import { decodeImage } from '../image/decode.ts';
import type { FaceBox } from './blazeface.ts';
import { faceRegion, regionPixels, whole, type Region } from './crop.ts';
import { decodeForFaces, detectorFeeds, faceDetector, faceJson, type FaceImage } from './detector.ts';
import { facesOf } from './detector-step.ts';
import { faceInstance, type FaceItem } from './instance.ts';

const Params = ImageParams.extend({
  /** The model that finds the faces: another model of the store, served by the face-detector plugin. */
  detector: z.string().min(1).default('face-detector'),
  /** Whether an instance is searched for faces unless it says otherwise (`"detect": false` sends a crop). */
  detect: z.boolean().default(true),
  /** A detected face is classified on a square this many times its box's longer side (see crop.ts). */
  cropScale: z.number().min(1).max(3).default(1.3),
}).strict();
type FaceParams = z.infer<typeof Params>;

/**
 * One image's answer as the `faces` output carries it: a crop's class probabilities, or every face found
 * (box [x1, y1, x2, y2] in the image's pixels, detector score) with its own.
 */
type ImageAnswer =
  | { probabilities: number[] }
  | { faces: Array<{ box: number[]; score: number; probabilities: number[] }> };

/** The faces of the items that ask for detection, through the detector model's worker step. */
async function detect(images: readonly FaceImage[], ctx: PluginContext<FaceParams>): Promise<FaceBox[][]> {
  if (images.length === 0) return [];
  const detector = ctx.model(ctx.params.detector);
  if (detector.plugin !== faceDetector.name || !detector.runStep)
    throw new GatewayError(
      'CONFIG_INVALID',
      `model '${ctx.modelName}': its detector '${ctx.params.detector}' is not served by plugin '${faceDetector.name}'`,
    );
  const area = (b: FaceBox) => (b.x2 - b.x1) * (b.y2 - b.y1);
  return facesOf(await detector.runStep(await detectorFeeds(images))).map((faces) =>
    faces.sort((a, b) => area(b) - area(a)),
  );
}

/** The probability rows of the model's outputs (the first output as wide as the labels), if computed. */
function probabilityRows(outputs: Record<string, Tensor>, labels: readonly string[]): number[][] | undefined {
  const t = Object.values(outputs).find((o) => o.datatype === 'FP32' && o.shape.at(-1) === labels.length);
  if (!t) return undefined;
  const values = t.data as Float32Array;
  return Array.from({ length: t.shape[0]! }, (_, r) =>
    Array.from(values.subarray(r * labels.length, (r + 1) * labels.length)),
  );
}

/** The `faces` output → one answer per image. */
function answersOf(outputs: Record<string, Tensor>): ImageAnswer[] {
  return bytesOf(outputs.faces!).map((b) => JSON.parse(fromUtf8(b)) as ImageAnswer);
}

/**
 * Classification of the faces in an image (facial expression…): a face detector model (`params.detector`,
 * plugin face-detector) finds the faces, each is cut out (a square `cropScale` times the detector's box) and
 * classified by this model. An instance with `"detect": false` is classified as one face crop (the old
 * image-classifier behaviour); one with `"box": [x1, y1, x2, y2]` names its face (cut like a detected one: how an
 * ensemble votes per face); `params.detect` sets the default. Answers, per image: `{label, score, top_k, faces: [{box, detection_score, label, score, top_k}]}`
 * with faces largest first and the top-level fields those of the largest face; `{label: null, faces: [],
 * no_face: true}` when none is found; a crop answers `{label, score, top_k}`.
 *
 * The HTTP thread decodes and cuts (sharp); the detector runs in its model's worker, the classifier in this
 * model's. The model's own outputs have one row per face; the `faces` output (BYTES, one JSON document per
 * image) says which rows belong to which image.
 */
export const faceClassifier = definePlugin<FaceItem, FaceParams>({
  name: 'face-classifier',
  modality: 'image',
  description: 'Image → the faces in it, each with top-k labels (a face detector model, then this classifier)',
  runtime: 'tfjs',
  params: Params,
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [-1] }],
  /** One JSON document per image: `{probabilities}` for a crop, `{faces: [{box, probabilities}]}` when detected. */
  outputs: [{ name: 'faces', datatype: 'BYTES', shape: [-1] }],
  example: { b64: '<base64 JPEG or PNG of a photo>' },
  validate: validateImageModel,
  parseInstance: (instance, ctx) => faceInstance(instance, ctx.params.detect),
  fromTensors: (inputs, ctx) => bytesInput(inputs, 'image').map((input) => ({ input, detect: ctx.params.detect })),
  /** Decodes, finds the faces (detector model), and cuts every face: the model's input, one row per face. */
  async preprocess(items, ctx) {
    const g = geometry(ctx);
    const p = ctx.params;
    // Decoded once per distinct input: an ensemble voting per face sends one image once per face.
    const decoded = new Map<string | Uint8Array, Promise<FaceImage>>();
    const decode = (input: string | Uint8Array) => {
      const image = decoded.get(input) ?? decodeForFaces(input, p.maxPixels);
      decoded.set(input, image);
      return image;
    };
    const images = await Promise.all(items.map((item) => decode(item.input)));
    const searched = items.flatMap((item, i) => (item.detect ? [i] : []));
    const found = await detect(
      searched.map((i) => images[i]!),
      ctx,
    );
    for (const [k, i] of searched.entries()) items[i]!.faces = found[k]!;
    const regions: Array<{ image: FaceImage; region: Region }> = items.flatMap((item, i) => {
      const image = images[i]!;
      if (item.faces) return item.faces.map((f) => ({ image, region: faceRegion(f, image, p.cropScale) }));
      const [x1, y1, x2, y2] = item.box ?? [];
      const box = item.box ? { x1: x1!, y1: y1!, x2: x2!, y2: y2! } : undefined;
      return [{ image, region: box ? faceRegion(box, image, p.cropScale) : whole(image) }];
    });
    const size = g.height * g.width * g.channels;
    const data = new Float32Array(regions.length * size);
    await Promise.all(
      regions.map(async ({ image, region }, r) =>
        writePixels(
          await regionPixels(image, region, { ...g, fit: p.fit, background: p.background }),
          g,
          p,
          data,
          r * size,
        ),
      ),
    );
    const shape =
      g.layout === 'nhwc'
        ? [regions.length, g.height, g.width, g.channels]
        : [regions.length, g.channels, g.height, g.width];
    return { [g.input.name]: tensor(g.input.name, 'FP32', shape, data) };
  },
  /** Runs the model on the faces (not at all when there are none), and adds the `faces` output. */
  async predict(feeds, ctx, items) {
    const rows = Object.values(feeds)[0]!.shape[0]!;
    const outputs: Record<string, Tensor> =
      rows > 0
        ? await ctx.run(feeds)
        : Object.fromEntries(
            ctx.outputs.map((o) => [
              o.name,
              tensor(o.name, 'FP32', [0, ...o.shape.slice(1).map((d) => Math.max(d, 0))], new Float32Array(0)),
            ]),
          );
    const probabilities = probabilityRows(outputs, ctx.labels ?? []) ?? [];
    let row = 0;
    const next = () => probabilities[row++] ?? [];
    const answers: ImageAnswer[] = items.map((item) =>
      item.faces
        ? { faces: item.faces.map((f) => ({ ...faceJson(f), probabilities: next() })) }
        : { probabilities: next() },
    );
    return {
      ...outputs,
      faces: tensor(
        'faces',
        'BYTES',
        [items.length],
        answers.map((a) => utf8(JSON.stringify(a))),
      ),
    };
  },
  /** Per image: a crop's scores, the largest face's when detected, all zeros (no opinion) when none is found. */
  scores(outputs, ctx) {
    const labels = ctx.labels ?? [];
    return {
      labels,
      scores: answersOf(outputs).map((a) =>
        'faces' in a ? (a.faces[0]?.probabilities ?? labels.map(() => 0)) : a.probabilities,
      ),
    };
  },
  finetune: {
    augmentations: IMAGE_AUGMENTATIONS,
    // Training examples are face crops, used as given.
    fromFile: (bytes) => ({ input: bytes, detect: false }),
    fromInstance(instance) {
      const item = faceInstance(instance, false);
      if (item.box) throw invalidInput('a training example is a face crop: send the crop rather than a "box"');
      return item;
    },
    async check(item, ctx) {
      const g = geometry(ctx);
      await decodeImage(item.input, { width: g.width, height: g.height, maxPixels: ctx.params.maxPixels });
    },
    augment: async (item, names, strength, random) => ({
      ...item,
      input: await augmentImage(item.input, names, strength, random),
    }),
  },
  postprocess(outputs, ctx, _items, options) {
    const labels = ctx.labels ?? [];
    const k = topKParam(options, ctx.params.topK);
    return answersOf(outputs).map((a) => {
      if (!('faces' in a)) return predictions([a.probabilities], labels, k)[0];
      if (a.faces.length === 0) return { label: null, faces: [], no_face: true };
      const faces = a.faces.map((f) => ({
        box: f.box,
        detection_score: f.score,
        ...predictions([f.probabilities], labels, k)[0]!,
      }));
      const { label, score, top_k } = faces[0]!;
      return { label, score, top_k, faces };
    });
  },
});
