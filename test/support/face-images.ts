import sharp from 'sharp';
import { readFileSync } from 'node:fs';

/** A real face: the astronaut fixture's 112×112 face crop (Eileen Collins, NASA, public domain). */
export const FACE_CROP = readFileSync(new URL('../fixtures/images/astronaut-face.jpg', import.meta.url));

/** Where a face was put: [x1, y1, x2, y2] in the picture's pixels. */
export type Box = [number, number, number, number];

/** A smooth two-colour gradient with a grey disc on it (an "object"): a picture without a face, made now. */
export async function faceless(width = 480, height = 320): Promise<Buffer> {
  const rgb = Buffer.alloc(width * height * 3);
  const [cx, cy, r] = [width * 0.6, height * 0.5, Math.min(width, height) * 0.25];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const disc = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      rgb[i] = disc ? 140 : Math.round((255 * x) / width);
      rgb[i + 1] = disc ? 140 : Math.round((255 * y) / height);
      rgb[i + 2] = disc ? 150 : 200;
    }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * A picture made now: the face crop, scaled to `size` pixels, pasted at each of `at` on the faceless
 * gradient (JPEG), and the boxes where the faces are.
 *
 * @example const { jpeg, boxes } = await withFaces(640, 400, [[300, 120]], 140);
 */
export async function withFaces(
  width: number,
  height: number,
  at: ReadonlyArray<readonly [number, number]>,
  size: number,
): Promise<{ jpeg: Buffer; boxes: Box[] }> {
  const face = await sharp(FACE_CROP).resize(size, size).toBuffer();
  const jpeg = await sharp(await faceless(width, height))
    .composite(at.map(([left, top]) => ({ input: face, left, top })))
    .jpeg({ quality: 90 })
    .toBuffer();
  return { jpeg, boxes: at.map(([x, y]) => [x, y, x + size, y + size]) };
}

const area = (x: readonly number[]) => (x[2]! - x[0]!) * (x[3]! - x[1]!);
const intersection = (a: readonly number[], b: readonly number[]) =>
  Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!)) *
  Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));

/** Intersection over union of two [x1, y1, x2, y2] boxes. */
export function iou(a: readonly number[], b: readonly number[]): number {
  const i = intersection(a, b);
  return i / (area(a) + area(b) - i);
}

/**
 * Whether a detected box marks a pasted face: at least 90 % of it inside the pasted square, and covering at
 * least 35 % of it (the crop has hair and neck around the face; the detector's box is brows to chin).
 */
export function marks(detected: readonly number[], pasted: readonly number[]): boolean {
  const i = intersection(detected, pasted);
  return i / area(detected) >= 0.9 && i / area(pasted) >= 0.35;
}
