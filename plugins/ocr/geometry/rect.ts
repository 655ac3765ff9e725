/** A point `[x, y]` in pixels, y pointing down. */
export type Point = readonly [number, number];

/** A quadrilateral's corners, clockwise on the page from its top-left: top-left, top-right, bottom-right, bottom-left. */
export type Quad = readonly [Point, Point, Point, Point];

/**
 * A rotated rectangle: its centre, the unit vector `(ux, uy)` along its width and the two side lengths.
 * Its height runs along `(−uy, ux)`, which points down the page when `u` points right.
 */
export interface RotatedRect {
  cx: number;
  cy: number;
  ux: number;
  uy: number;
  width: number;
  height: number;
}

/**
 * The rectangle's corners, clockwise from the one at the start of its top side (with `u` pointing
 * right: top-left, top-right, bottom-right, bottom-left).
 *
 * @example corners({ cx: 5, cy: 2, ux: 1, uy: 0, width: 10, height: 4 }) // [[0,0],[10,0],[10,4],[0,4]]
 */
export function corners(r: RotatedRect): Quad {
  const ax = (r.ux * r.width) / 2,
    ay = (r.uy * r.width) / 2;
  const bx = (-r.uy * r.height) / 2,
    by = (r.ux * r.height) / 2;
  return [
    [r.cx - ax - bx, r.cy - ay - by],
    [r.cx + ax - bx, r.cy + ay - by],
    [r.cx + ax + bx, r.cy + ay + by],
    [r.cx - ax + bx, r.cy - ay + by],
  ];
}
