import sharp from 'sharp';
import { base64Bytes, type Base64Problem } from '../../core/base64.ts';
import { GatewayError } from '../../core/errors.ts';
import { DECODED_TEXT, sniffImage, unsupportedImage } from './formats.ts';
import { refuseUrl } from '../instances.ts';

type Fit = 'fill' | 'cover' | 'contain' | 'inside';

export interface DecodeOptions {
  /** Target size; give only the height to keep the aspect ratio, neither to keep the original size. */
  width?: number;
  height?: number;
  /**
   * 'fill' stretches to the size, 'cover' centre-crops, 'contain' letterboxes on `background`, 'inside' shrinks
   * to fit within it keeping the aspect ratio (never enlarges).
   */
  fit?: Fit;
  /** Background for transparent pixels and letterboxing, as [r, g, b] (white by default). */
  background?: readonly [number, number, number];
  /** Decompression-bomb guard: images above this many pixels are refused. */
  maxPixels?: number;
}

export interface DecodedImage {
  /** Interleaved RGB, 8 bits per channel, height × width × 3. */
  rgb: Buffer;
  width: number;
  height: number;
  /** The source image's size after EXIF orientation. */
  original: { width: number; height: number; format: string };
}

/**
 * Image bytes from what a client sent: raw image bytes, or base64 text (optionally a `data:` URL).
 * @example imageBytes('data:image/png;base64,iVBOR…')
 */
export function imageBytes(input: Uint8Array | string): Uint8Array {
  if (typeof input !== 'string' && (sniffImage(input) || unsupportedImage(input))) return input;
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  refuseUrl(text.slice(0, 64), 'an image');
  return base64Bytes(text, (problem) => new GatewayError('INVALID_IMAGE', IMAGE_PROBLEMS[problem]));
}

const IMAGE_PROBLEMS: Record<Base64Problem, string> = {
  empty: 'the image is empty',
  'not base64': `could not decode image: neither image bytes (${DECODED_TEXT}) nor base64`,
  'data URL not base64': 'data URLs must be base64-encoded',
};

/**
 * Decodes and resizes an image with sharp (JPEG, PNG, WebP, AVIF, GIF, TIFF): EXIF orientation applied, alpha flattened onto the
 * background, CMYK and greyscale converted to sRGB RGB. Corrupt or truncated data is INVALID_IMAGE, a well-known
 * format that is not decoded (BMP, HEIC, SVG…) UNSUPPORTED_MEDIA_TYPE;
 * an image over `maxPixels` is refused (PAYLOAD_TOO_LARGE) before its pixels are decoded.
 *
 * @example const { rgb } = await decodeImage(jpegBytes, { width: 224, height: 224 });
 */
export async function decodeImage(input: Uint8Array | string, o: DecodeOptions): Promise<DecodedImage> {
  const bytes = imageBytes(input);
  const format = sniffImage(bytes);
  if (!format) {
    const other = unsupportedImage(bytes);
    if (other)
      throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', `${other} images are not supported: send ${DECODED_TEXT}`);
    throw new GatewayError('INVALID_IMAGE', `could not decode image: unknown format (send ${DECODED_TEXT})`);
  }
  const maxPixels = o.maxPixels ?? 40_000_000;
  const [r, g, b] = o.background ?? [255, 255, 255];
  try {
    const img = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 });
    const meta = await img.metadata();
    if ((meta.width ?? 0) * (meta.height ?? 0) > maxPixels) throw new Error('Input image exceeds pixel limit');
    const swap = (meta.orientation ?? 1) >= 5;
    const original = {
      width: (swap ? meta.height : meta.width) ?? 0,
      height: (swap ? meta.width : meta.height) ?? 0,
      format: meta.format ?? format,
    };
    let pipeline = img.rotate().flatten({ background: { r, g, b } }).toColourspace('srgb');
    if (o.width !== undefined || o.height !== undefined) {
      pipeline = pipeline.resize(o.width ?? null, o.height ?? null, {
        fit: o.fit ?? 'fill',
        background: { r, g, b },
        withoutEnlargement: o.fit === 'inside',
      });
    }
    const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return { rgb: data, width: info.width, height: info.height, original };
  } catch (e) {
    const message = (e as Error).message;
    if (/pixel limit/i.test(message)) {
      throw new GatewayError(
        'PAYLOAD_TOO_LARGE',
        `the image has more than ${maxPixels} pixels (decompression-bomb limit)`,
      );
    }
    throw new GatewayError('INVALID_IMAGE', `could not decode image (${format}): ${message}`);
  }
}

/**
 * Interleaved RGB bytes → float32 in NHWC or NCHW at `offset` of `out`, with
 * `value = (byte / 255 - mean) / std` per channel (mean 0, std 1 gives [0, 1]).
 */
export function toFloat(
  rgb: Uint8Array,
  width: number,
  height: number,
  layout: 'nhwc' | 'nchw',
  mean: readonly number[] = [0, 0, 0],
  std: readonly number[] = [1, 1, 1],
  out: Float32Array = new Float32Array(width * height * 3),
  offset = 0,
): Float32Array {
  const n = width * height;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      out[offset + (layout === 'nhwc' ? i * 3 + c : c * n + i)] = (rgb[i * 3 + c]! / 255 - mean[c]!) / std[c]!;
    }
  }
  return out;
}

/** Interleaved RGB bytes → one luma channel (0.2989 R + 0.587 G + 0.114 B), `(y / 255 - mean) / std`. */
export function toGrey(rgb: Uint8Array, mean: number, std: number, out: Float32Array, offset = 0): Float32Array {
  for (let i = 0; i * 3 < rgb.length; i++) {
    out[offset + i] = ((rgb[i * 3]! * 0.2989 + rgb[i * 3 + 1]! * 0.587 + rgb[i * 3 + 2]! * 0.114) / 255 - mean) / std;
  }
  return out;
}
