import sharp from 'sharp';
import { z } from 'zod';
import { bytesInput, encodedInstance } from '../instances.ts';
import type { Tensor } from '../../core/tensor.ts';
import { definePlugin } from '../plugin.ts';
import { decodeImage, type DecodedImage } from '../image/decode.ts';
import { BLAZEFACE_SIZE, letterbox, type FaceBox } from './blazeface.ts';
import { faceDetectorStep, facesOf } from './detector-step.ts';

const Params = z
  .object({
    /**
     * Lowest detector confidence that counts as a face. BlazeFace gives real faces ≈ 0.85–0.95 and, on our
     * fixtures, a cat's face ≈ 0.73 and a coffee cup seen from above ≈ 0.66: 0.75 keeps those out.
     */
    minScore: z.number().min(0).max(1).default(0.75),
    /** Candidates overlapping more than this are one face (weighted NMS). */
    iouThreshold: z.number().min(0).max(1).default(0.3),
    maxFaces: z.number().int().positive().max(100).default(20),
    maxPixels: z.number().int().positive().default(40_000_000),
  })
  .strict();
type DetectorParams = z.infer<typeof Params>;

/** Images are decoded at most this large on their longest side (faces are found on a 256-pixel square anyway). */
export const MAX_SIDE = 2048;

/** A decoded image as the face plugins keep it: pixels (at most MAX_SIDE a side) and its own size. */
export type FaceImage = Pick<DecodedImage, 'rgb' | 'width' | 'height' | 'original'>;

/** Decodes an image for face detection and cropping (EXIF orientation applied, at most MAX_SIDE a side). */
export function decodeForFaces(input: string | Uint8Array, maxPixels: number): Promise<FaceImage> {
  return decodeImage(input, { width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', maxPixels });
}

/**
 * The detector step's input for images: each letterboxed into BlazeFace's 256×256 square (by sharp, off the
 * event loop), with its original size (the step answers boxes in original pixels).
 */
export async function detectorFeeds(images: readonly FaceImage[]): Promise<Record<string, Tensor>> {
  const plane = BLAZEFACE_SIZE * BLAZEFACE_SIZE * 3;
  const pixels = new Uint8Array(images.length * plane);
  await Promise.all(
    images.map(async (img, i) => {
      const lb = letterbox(img.original.width, img.original.height);
      const square = await sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
        .resize(lb.width, lb.height, { fit: 'fill' })
        .extend({
          left: lb.left,
          top: lb.top,
          right: BLAZEFACE_SIZE - lb.width - lb.left,
          bottom: BLAZEFACE_SIZE - lb.height - lb.top,
          background: { r: 0, g: 0, b: 0 },
        })
        .raw()
        .toBuffer();
      pixels.set(square, i * plane);
    }),
  );
  return {
    pixels: {
      name: 'pixels',
      datatype: 'UINT8',
      shape: [images.length, BLAZEFACE_SIZE, BLAZEFACE_SIZE, 3],
      data: pixels,
    },
    size: {
      name: 'size',
      datatype: 'INT32',
      shape: [images.length, 2],
      data: Int32Array.from(images.flatMap((img) => [img.original.width, img.original.height])),
    },
  };
}

/** A face as clients see it: [x1, y1, x2, y2] in the image's pixels (rounded to 0.1) and the detector's score. */
export function faceJson(b: FaceBox): { box: number[]; score: number } {
  const r = (v: number) => Math.round(v * 10) / 10;
  return { box: [r(b.x1), r(b.y1), r(b.x2), r(b.y2)], score: Math.round(b.score * 10_000) / 10_000 };
}

/**
 * Face detection: BlazeFace (MediaPipe's back-camera model, 256×256, from Human's model files) finds the
 * faces in an image. The HTTP thread decodes and letterboxes the image (sharp); scaling, the model, anchor
 * decoding and NMS run in the model's worker (`faceDetectorStep`). Answers `{faces: [{box, score}]}`, best
 * first, boxes in the image's own pixels; an image without a face answers `{faces: [], no_face: true}`.
 * The face-classifier plugin uses a model served by it to find the faces it classifies.
 */
export const faceDetector = definePlugin<{ input: string | Uint8Array }, DetectorParams>({
  name: 'face-detector',
  modality: 'image',
  description: 'Image → face boxes with scores (BlazeFace)',
  runtime: 'tfjs',
  params: Params,
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [-1] }],
  example: { b64: '<base64 JPEG or PNG of a photo>' },
  validate(ctx) {
    const input = ctx.inputs[0];
    if (ctx.inputs.length !== 1 || input?.shape[1] !== BLAZEFACE_SIZE || input.shape[2] !== BLAZEFACE_SIZE)
      throw new Error(`the detector takes one [1, ${BLAZEFACE_SIZE}, ${BLAZEFACE_SIZE}, 3] image input`);
  },
  parseInstance: (instance) => ({ input: encodedInstance(instance, ['b64', 'image'], 'an image') }),
  fromTensors: (inputs) => bytesInput(inputs, 'image').map((input) => ({ input })),
  async preprocess(items, ctx) {
    const images = await Promise.all(items.map((item) => decodeForFaces(item.input, ctx.params.maxPixels)));
    return detectorFeeds(images);
  },
  step: faceDetectorStep,
  postprocess: (outputs) =>
    facesOf(outputs).map((faces) =>
      faces.length ? { faces: faces.map(faceJson) } : { faces: [], no_face: true as const },
    ),
});
