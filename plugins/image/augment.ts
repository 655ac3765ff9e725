import sharp from 'sharp';
import { imageBytes } from './decode.ts';

/** The augmentations the image plugins implement for fine-tuning. */
export const IMAGE_AUGMENTATIONS = ['flip', 'crop', 'colour'] as const;

/**
 * A randomly changed copy of an image for training, as lossless PNG: `flip` mirrors it left–right half
 * of the time, `crop` keeps a random window of (1 − 0.3·strength) to 1 of each side, `colour` scales
 * brightness and saturation by up to ±25 %·strength and turns the hue by up to ±15°·strength.
 * Deterministic for a given `random`.
 *
 * @example const copy = await augmentImage(bytes, ['flip', 'crop'], 1, seededRandom(7));
 */
export async function augmentImage(
  input: Uint8Array | string,
  names: readonly string[],
  strength: number,
  random: () => number,
): Promise<Uint8Array> {
  // EXIF orientation applied first, as decodeImage does; then the pixels are worked on raw.
  const { data, info } = await sharp(imageBytes(input), { failOn: 'error', pages: 1 })
    .rotate()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  let img = sharp(data, { raw });
  if (names.includes('crop')) {
    const keep = () => 1 - 0.3 * strength * random();
    const w = Math.max(1, Math.round(raw.width * keep()));
    const h = Math.max(1, Math.round(raw.height * keep()));
    const left = Math.floor(random() * (raw.width - w + 1));
    const top = Math.floor(random() * (raw.height - h + 1));
    img = sharp(data, { raw }).extract({ left, top, width: w, height: h });
  }
  if (names.includes('flip') && random() < 0.5) img = img.flop();
  if (names.includes('colour')) {
    const jitter = (amount: number) => 1 + amount * strength * (2 * random() - 1);
    img = img.modulate({
      brightness: jitter(0.25),
      saturation: jitter(0.25),
      hue: Math.round(15 * strength * (2 * random() - 1)),
    });
  }
  return new Uint8Array(await img.png({ compressionLevel: 1 }).toBuffer());
}
