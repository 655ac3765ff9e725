import type { RotatedRect } from './rect.ts';

/** A unit vector `[x, y]`. */
export type Direction = readonly [number, number];

/**
 * The page's text direction: the mean axis of the boxes' long sides (angles doubled, so a side and
 * its reverse agree), each weighted by how much longer than wide it is, so square boxes do not vote. It
 * points right: its angle lies in (−90°, 90°]. `[1, 0]` when no box is longer than wide.
 *
 * @example dominantDirection(rects) // [0.996, 0.087] for lines tilted 5° clockwise
 */
export function dominantDirection(rects: readonly RotatedRect[]): Direction {
  let c = 0,
    s = 0;
  for (const r of rects) {
    const weight = Math.abs(r.width - r.height);
    // The long side's direction: u, or the height's (−uy, ux).
    const [x, y] = r.width >= r.height ? [r.ux, r.uy] : [-r.uy, r.ux];
    c += weight * (x * x - y * y); // cos 2θ
    s += weight * 2 * x * y; // sin 2θ
  }
  if (c === 0 && s === 0) return [1, 0];
  const angle = Math.atan2(s, c) / 2;
  return [Math.cos(angle), Math.sin(angle)];
}

/**
 * The same rectangle described with its width along whichever of its four side directions lies
 * closest to `dir`: its corners then start at its top-left as a reader of that direction sees it.
 *
 * @example orient({ cx: 0, cy: 0, ux: 0, uy: 1, width: 10, height: 40 }, [1, 0]) // ux 1, uy 0, width 40, height 10
 */
export function orient(r: RotatedRect, [dx, dy]: Direction): RotatedRect {
  const options: RotatedRect[] = [
    r,
    { ...r, ux: -r.ux, uy: -r.uy },
    { ...r, ux: -r.uy, uy: r.ux, width: r.height, height: r.width },
    { ...r, ux: r.uy, uy: -r.ux, width: r.height, height: r.width },
  ];
  let best = options[0]!;
  for (const o of options) if (o.ux * dx + o.uy * dy > best.ux * dx + best.uy * dy) best = o;
  return best;
}
