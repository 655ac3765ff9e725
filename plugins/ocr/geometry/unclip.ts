import type { RotatedRect } from './rect.ts';

/**
 * PaddleOCR's unclip (DBPostProcess) of a rectangle: the detector marks a shrunk text kernel; the box is
 * grown by `area × ratio / perimeter` on every side. (PaddleOCR offsets the polygon with round joins and
 * takes its minimum-area rectangle again: for a rectangle, that is this rectangle.)
 *
 * @example unclip({ cx: 0, cy: 0, ux: 1, uy: 0, width: 30, height: 10 }, 1.5) // width 41.25, height 21.25
 */
export function unclip(r: RotatedRect, ratio: number): RotatedRect {
  const perimeter = 2 * (r.width + r.height);
  const d = perimeter > 0 ? (r.width * r.height * ratio) / perimeter : 0;
  return { ...r, width: r.width + 2 * d, height: r.height + 2 * d };
}
