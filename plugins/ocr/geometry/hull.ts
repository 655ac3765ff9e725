import type { Point } from './rect.ts';

const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/**
 * The convex hull of a point set (Andrew's monotone chain, O(n log n)): its vertices in order, clockwise
 * on the page (y down), collinear and repeated points dropped. Two points for collinear input, one for
 * a single distinct point, none for none.
 *
 * @example convexHull([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2]]) // [[0,0],[2,0],[2,2],[0,2]]
 */
export function convexHull(points: readonly Point[]): Point[] {
  const p = [...points]
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .filter((q, i, all) => i === 0 || q[0] !== all[i - 1]![0] || q[1] !== all[i - 1]![1]);
  if (p.length < 2) return p;
  const chain = (from: Point[]) => {
    const out: Point[] = [];
    for (const q of from) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, q) <= 0) out.pop();
      out.push(q);
    }
    return out.slice(0, -1);
  };
  return [...chain(p), ...chain(p.reverse())];
}
