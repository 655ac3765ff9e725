import { describe, expect, it } from 'vitest';
import { warpParallelogram, type RgbImage } from './warp.ts';

/** A test image whose pixel (x, y) is (x, y, 7 · x + y mod 256). */
function ramp(width: number, height: number): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rgb.set([x, y, (7 * x + y) % 256], (y * width + x) * 3);
  return { rgb, width, height };
}
const pixel = (img: Uint8Array, width: number, x: number, y: number) =>
  Array.from(img.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));

describe('warpParallelogram', () => {
  const img = ramp(40, 20);

  it('copies an axis-aligned window exactly', () => {
    const out = warpParallelogram(img, [5, 3], [25, 3], [5, 13], 20, 10);
    for (const [x, y] of [
      [0, 0],
      [19, 9],
      [7, 4],
    ] as const)
      expect(pixel(out, 20, x, y)).toEqual(pixel(img.rgb, 40, 5 + x, 3 + y));
  });

  it('reads the window upside down when the corners start at the bottom-right', () => {
    const out = warpParallelogram(img, [25, 13], [5, 13], [25, 3], 20, 10);
    expect(pixel(out, 20, 0, 0)).toEqual(pixel(img.rgb, 40, 24, 12));
    expect(pixel(out, 20, 19, 9)).toEqual(pixel(img.rgb, 40, 5, 3));
  });

  it('levels a tilted window: each output pixel is the source interpolated at its mapped centre', () => {
    // A 20 × 6 window turned by atan(0.25) about its top-left corner (6, 4).
    const [c, s] = [4 / Math.hypot(4, 1), 1 / Math.hypot(4, 1)];
    const tl = [6, 4] as const;
    const out = warpParallelogram(img, tl, [6 + 20 * c, 4 + 20 * s], [6 - 6 * s, 4 + 6 * c], 20, 6);
    for (const [u, v] of [
      [0, 0],
      [10, 3],
      [19, 5],
    ] as const) {
      const x = tl[0] + (u + 0.5) * c - (v + 0.5) * s - 0.5,
        y = tl[1] + (u + 0.5) * s + (v + 0.5) * c - 0.5;
      // Red and green ramp by one per pixel in x and y: bilinear reproduces them.
      expect(pixel(out, 20, u, v).slice(0, 2)).toEqual([Math.round(x), Math.round(y)]);
    }
  });

  it('repeats the edge pixels past the border', () => {
    const out = warpParallelogram(img, [-10, -10], [0, -10], [-10, 0], 10, 10);
    expect(pixel(out, 10, 0, 0)).toEqual(pixel(img.rgb, 40, 0, 0));
    expect(pixel(out, 10, 9, 9)).toEqual(pixel(img.rgb, 40, 0, 0));
    const far = warpParallelogram(img, [40, 20], [50, 20], [40, 30], 10, 10);
    expect(pixel(far, 10, 5, 5)).toEqual(pixel(img.rgb, 40, 39, 19));
  });
});
