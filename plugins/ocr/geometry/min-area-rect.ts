import type { Point, RotatedRect } from './rect.ts';

const EPS = 1e-9;

/**
 * The minimum-area enclosing rectangle of a convex polygon (OpenCV's minAreaRect, which PaddleOCR's
 * get_mini_boxes calls) by rotating calipers in O(n): the best rectangle has a side on one of the hull's
 * edges (Freeman and Shapira, 1975), and as that edge turns round the hull, the vertices furthest
 * ahead, behind and across from it only move forward. Its width runs along that edge.
 *
 * @param hull the polygon's vertices in order, either way round (convexHull's output)
 * @example minAreaRect(convexHull(points)) // { cx, cy, ux, uy, width, height }
 */
export function minAreaRect(hull: readonly Point[]): RotatedRect {
  const n = hull.length;
  if (n === 0) throw new Error('minAreaRect: no points');
  if (n === 1) return { cx: hull[0]![0], cy: hull[0]![1], ux: 1, uy: 0, width: 0, height: 0 };
  const next = (k: number) => (k + 1) % n;
  const along = (k: number, ex: number, ey: number) => hull[k]![0] * ex + hull[k]![1] * ey;
  let best: RotatedRect | undefined;
  let bestArea = Number.POSITIVE_INFINITY;
  // The calipers: the vertices furthest ahead (`ahead`), behind (`behind`) and across (`across`) from the current edge.
  let ahead = -1,
    behind = -1,
    across = -1;
  for (let i = 0; i < n; i++) {
    const [x0, y0] = hull[i]!;
    const [x1, y1] = hull[next(i)]!;
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len === 0) continue;
    const ex = (x1 - x0) / len,
      ey = (y1 - y0) / len;
    const nx = -ey,
      ny = ex;
    const base = along(i, nx, ny);
    const distance = (k: number) => Math.abs(along(k, nx, ny) - base);
    if (ahead < 0) {
      // First edge: place the calipers by a full scan.
      ahead = behind = across = i;
      for (let k = 0; k < n; k++) {
        if (along(k, ex, ey) > along(ahead, ex, ey)) ahead = k;
        if (along(k, ex, ey) < along(behind, ex, ey)) behind = k;
        if (distance(k) > distance(across)) across = k;
      }
    } else {
      for (let s = 0; s < n && along(next(ahead), ex, ey) > along(ahead, ex, ey) + EPS; s++) ahead = next(ahead);
      for (let s = 0; s < n && along(next(behind), ex, ey) < along(behind, ex, ey) - EPS; s++) behind = next(behind);
      for (let s = 0; s < n && distance(next(across)) > distance(across) + EPS; s++) across = next(across);
    }
    const hi = along(ahead, ex, ey),
      lo = along(behind, ex, ey);
    const far = along(across, nx, ny);
    const width = hi - lo,
      height = Math.abs(far - base);
    if (width * height < bestArea - EPS) {
      bestArea = width * height;
      const mid = (hi + lo) / 2,
        midN = (far + base) / 2;
      best = { cx: ex * mid + nx * midN, cy: ey * mid + ny * midN, ux: ex, uy: ey, width, height };
    }
  }
  return best!;
}
