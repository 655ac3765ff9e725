import sharp from 'sharp';
import { invalidInput } from '../../core/errors.ts';
import type { FaceBox } from './blazeface.ts';
import type { FaceImage } from './detector.ts';

/** A rectangle of an image's decoded pixels (integers, inside the image). */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Corners in the image's original pixels → a region of its decoded pixels, clipped to the image. */
function region(image: FaceImage, x1: number, y1: number, x2: number, y2: number): Region | undefined {
  const sx = image.width / image.original.width,
    sy = image.height / image.original.height;
  const left = Math.max(0, Math.floor(x1 * sx)),
    top = Math.max(0, Math.floor(y1 * sy));
  const right = Math.min(image.width, Math.ceil(x2 * sx)),
    bottom = Math.min(image.height, Math.ceil(y2 * sy));
  return right - left >= 1 && bottom - top >= 1 ? { left, top, width: right - left, height: bottom - top } : undefined;
}

/**
 * The crop a face is classified on: a square around its box (the detector's, or the caller's), `scale` times
 * the box's longer side, clipped to the image. BlazeFace's box is tight (brows to mouth); expression models
 * were trained on looser crops (forehead to chin). INVALID_INPUT when the box misses the image.
 */
export function faceRegion(box: Pick<FaceBox, 'x1' | 'y1' | 'x2' | 'y2'>, image: FaceImage, scale: number): Region {
  const cx = (box.x1 + box.x2) / 2,
    cy = (box.y1 + box.y2) / 2;
  const half = (Math.max(box.x2 - box.x1, box.y2 - box.y1) * scale) / 2;
  const inside = box.x1 < image.original.width && box.y1 < image.original.height;
  const r = inside ? region(image, cx - half, cy - half, cx + half, cy + half) : undefined;
  if (!r)
    throw invalidInput(
      `the box [${[box.x1, box.y1, box.x2, box.y2].join(', ')}] lies outside the ${image.original.width}×${image.original.height} image`,
    );
  return r;
}

/** The whole image as a region. */
export function whole(image: FaceImage): Region {
  return { left: 0, top: 0, width: image.width, height: image.height };
}

/**
 * A region cut from the image and resized to `width` × `height` (by sharp, off the event loop) as raw RGB:
 * 'fill' stretches, 'cover' centre-crops, 'contain' letterboxes on `background`.
 */
export async function regionPixels(
  image: FaceImage,
  r: Region,
  o: { width: number; height: number; fit: 'fill' | 'cover' | 'contain'; background: readonly number[] },
): Promise<Uint8Array> {
  const [red, green, blue] = o.background;
  const out = await sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract(r)
    .resize(o.width, o.height, { fit: o.fit, background: { r: red!, g: green!, b: blue! } })
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
