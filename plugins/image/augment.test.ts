import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { augmentImage } from './augment.ts';

const chelsea = readFileSync(new URL('../../test/fixtures/images/chelsea.jpg', import.meta.url));

function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('image augmentation for fine-tuning', () => {
  it('crops within the image, keeps it decodable, and is deterministic for a seed', async () => {
    const meta = await sharp(chelsea).metadata();
    const a = await augmentImage(chelsea, ['flip', 'crop', 'colour'], 1, lcg(3));
    const b = await augmentImage(chelsea, ['flip', 'crop', 'colour'], 1, lcg(3));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const out = await sharp(a).metadata();
    expect(out.format).toBe('png');
    expect(out.width!).toBeLessThanOrEqual(meta.width!);
    expect(out.width!).toBeGreaterThanOrEqual(Math.floor(meta.width! * 0.7));
    const c = await augmentImage(chelsea, ['flip', 'crop', 'colour'], 1, lcg(4));
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('a flip alone mirrors the pixels', async () => {
    const always = () => 0.1; // < 0.5: flip
    const flipped = await sharp(await augmentImage(chelsea, ['flip'], 1, always))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const mirrored = await sharp(chelsea).flop().raw().toBuffer({ resolveWithObject: true });
    expect(flipped.info.width).toBe(mirrored.info.width);
    expect(flipped.data.subarray(0, 300).equals(mirrored.data.subarray(0, 300))).toBe(true);
  });

  it('refuses corrupt bytes with INVALID_IMAGE', async () => {
    await expect(augmentImage(new Uint8Array([1, 2, 3, 4, 5]), ['flip'], 1, Math.random)).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
    });
  });
});
