import { describe, expect, it } from 'vitest';
import { convexHull } from './hull.ts';
import { minAreaRect } from './min-area-rect.ts';
import { corners, type Point, type RotatedRect } from './rect.ts';

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The smallest rectangle with a side on some hull edge, by trying every edge against every vertex. */
function bruteForceArea(hull: readonly Point[]): number {
  let best = Number.POSITIVE_INFINITY;
  hull.forEach(([x0, y0], i) => {
    const [x1, y1] = hull[(i + 1) % hull.length]!;
    const len = Math.hypot(x1 - x0, y1 - y0);
    const [ex, ey] = [(x1 - x0) / len, (y1 - y0) / len];
    const a = hull.map(([x, y]) => x * ex + y * ey);
    const b = hull.map(([x, y]) => -x * ey + y * ex);
    best = Math.min(best, (Math.max(...a) - Math.min(...a)) * (Math.max(...b) - Math.min(...b)));
  });
  return best;
}

const inside = (r: RotatedRect, [x, y]: Point) => {
  const dx = x - r.cx,
    dy = y - r.cy;
  return (
    Math.abs(dx * r.ux + dy * r.uy) <= r.width / 2 + 1e-6 && Math.abs(-dx * r.uy + dy * r.ux) <= r.height / 2 + 1e-6
  );
};

describe('minAreaRect', () => {
  it('finds the tilted rectangle a tilted line of pixels fills', () => {
    // The corners of a 100 × 10 rectangle turned by 5°, and points inside it.
    const truth = { cx: 60, cy: 40, ux: Math.cos(0.0873), uy: Math.sin(0.0873), width: 100, height: 10 };
    const pts: Point[] = [...corners(truth)];
    for (let k = 0; k < 50; k++) pts.push([truth.cx + (k - 25) * 2 * truth.ux, truth.cy + (k - 25) * 2 * truth.uy]);
    const r = minAreaRect(convexHull(pts));
    expect(r.width * r.height).toBeCloseTo(1000, 6);
    expect(Math.max(r.width, r.height)).toBeCloseTo(100, 6);
    expect([r.cx, r.cy].map((v) => +v.toFixed(6))).toEqual([60, 40]);
    // Its long side runs at 5° (either way round).
    const long = r.width > r.height ? [r.ux, r.uy] : [-r.uy, r.ux];
    expect(Math.abs(long[1]! / long[0]!)).toBeCloseTo(Math.tan(0.0873), 6);
  });

  it('matches the brute-force minimum on random point sets, and encloses every point', () => {
    const rnd = random(7);
    for (let trial = 0; trial < 300; trial++) {
      const pts: Point[] = Array.from({ length: 3 + Math.floor(rnd() * 40) }, () => [
        Math.round(rnd() * 200),
        Math.round(rnd() * 60),
      ]);
      const hull = convexHull(pts);
      if (hull.length < 3) continue;
      const r = minAreaRect(hull);
      expect(r.width * r.height).toBeCloseTo(bruteForceArea(hull), 6);
      for (const p of pts) expect(inside(r, p)).toBe(true);
    }
  });

  it('is a segment for collinear points and a point for one point', () => {
    const seg = minAreaRect(
      convexHull([
        [0, 0],
        [3, 4],
        [6, 8],
      ]),
    );
    for (const [got, want] of [
      [seg.width, 10],
      [seg.height, 0],
      [seg.cx, 3],
      [seg.cy, 4],
    ] as const)
      expect(got).toBeCloseTo(want, 9);
    expect(minAreaRect([[2, 3]])).toEqual({ cx: 2, cy: 3, ux: 1, uy: 0, width: 0, height: 0 });
    expect(() => minAreaRect([])).toThrow(/no points/);
  });
});
