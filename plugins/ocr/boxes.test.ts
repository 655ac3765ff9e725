import { describe, expect, it } from 'vitest';
import { boxesFromMap } from './boxes.ts';

const OPTIONS = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 };

/** A probability map with 0.9 inside each rectangle (centre, size, angle in degrees) and 0 elsewhere. */
function map(w: number, h: number, rects: Array<[cx: number, cy: number, width: number, height: number, deg: number]>) {
  const m = new Float32Array(w * h);
  for (const [cx, cy, rw, rh, deg] of rects) {
    const [c, s] = [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const dx = x + 0.5 - cx,
          dy = y + 0.5 - cy;
        if (Math.abs(dx * c + dy * s) <= rw / 2 && Math.abs(-dx * s + dy * c) <= rh / 2) m[y * w + x] = 0.9;
      }
  }
  return m;
}
const angleOf = ([a, b]: readonly (readonly [number, number])[]) =>
  (Math.atan2(b![1] - a![1], b![0] - a![0]) * 180) / Math.PI;

describe('boxesFromMap', () => {
  it('boxes tilted text kernels as rotated rectangles, unclipped, scaled to the image, in reading order', () => {
    // Two lines of a page tilted 5°, given bottom line first, and a map at half the image's scale.
    const m = map(200, 100, [
      [100, 62, 160, 8, 5],
      [100, 32, 160, 8, 5],
    ]);
    const boxes = boxesFromMap(m, 200, 100, 400, 200, OPTIONS);
    expect(boxes).toHaveLength(2);
    const [first, second] = boxes.map((b) => b.points);
    expect(first![0][1]).toBeLessThan(second![0][1]);
    for (const points of [first!, second!]) {
      expect(angleOf(points)).toBeCloseTo(5, 0);
      // Width: 160 map px plus the unclip (area 1280 × 1.5 / perimeter 336 ≈ 5.7 a side), × 2 to image px.
      const width = Math.hypot(points[1][0] - points[0][0], points[1][1] - points[0][1]);
      expect(width / 2).toBeGreaterThan(166);
      expect(width / 2).toBeLessThan(176);
    }
    expect(boxes[0]!.score).toBeCloseTo(0.9, 5);
  });

  it('drops weak and tiny regions', () => {
    const weak = map(100, 50, [[50, 25, 60, 8, 0]]).map((v) => (v ? 0.5 : 0));
    expect(boxesFromMap(weak, 100, 50, 100, 50, OPTIONS)).toEqual([]);
    expect(boxesFromMap(map(100, 50, [[50, 25, 40, 2, 0]]), 100, 50, 100, 50, OPTIONS)).toEqual([]);
  });

  it('names the corners from the top-left whatever the tilt, so the first side runs along the text', () => {
    for (const deg of [-30, -5, 0, 5, 30]) {
      const [box] = boxesFromMap(map(200, 200, [[100, 100, 150, 10, deg]]), 200, 200, 200, 200, OPTIONS);
      expect(angleOf(box!.points)).toBeCloseTo(deg, 0);
    }
  });
});
