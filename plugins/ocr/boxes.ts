import { dominantDirection, orient } from './geometry/direction.ts';
import { convexHull } from './geometry/hull.ts';
import { minAreaRect } from './geometry/min-area-rect.ts';
import { readingOrder } from './geometry/reading-order.ts';
import { corners, type Point, type Quad, type RotatedRect } from './geometry/rect.ts';
import { unclip } from './geometry/unclip.ts';

/** A text box in image pixels: its corners clockwise from the text's top-left, and the detector's mean score inside it. */
export interface TextBox {
  points: Quad;
  score: number;
}

interface BoxOptions {
  /** Pixels of the probability map above this are text. */
  threshold: number;
  /** Boxes whose mean probability is below this are dropped. */
  boxThreshold: number;
  /** DB's unclip ratio: a box grows by area × ratio / perimeter on each side. */
  unclipRatio: number;
  /** Smallest box side kept, in map pixels (PaddleOCR's min_size). */
  minSize: number;
}

/** PaddleOCR's max_candidates: regions past this many are not boxed. */
const MAX_BOXES = 1000;

/**
 * Text boxes from a DB probability map (PaddleOCR's detector), as PaddleOCR's DBPostProcess finds them:
 * threshold, connected regions (4-neighbour), each region's minimum-area rotated rectangle (convex hull
 * of its pixels, rotating calipers), the mean-score and size filters, unclip; then each box's width is
 * turned to the page's text direction and the boxes put in reading order along it, and their corners
 * scaled from map to image coordinates (not clamped: a box may reach past the page's edge).
 *
 * @example boxesFromMap(map, 640, 480, 1280, 960, { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 })
 */
export function boxesFromMap(
  map: Float32Array,
  mapW: number,
  mapH: number,
  imageW: number,
  imageH: number,
  o: BoxOptions,
): TextBox[] {
  const seen = new Uint8Array(mapW * mapH);
  // Each row's leftmost and rightmost pixel of the current region: its hull is theirs.
  const rowMin = new Int32Array(mapH).fill(mapW);
  const rowMax = new Int32Array(mapH).fill(-1);
  const stack: number[] = [];
  const rects: RotatedRect[] = [];
  const scores: number[] = [];
  for (let start = 0; start < map.length && rects.length < MAX_BOXES; start++) {
    if (seen[start] || map[start]! <= o.threshold) continue;
    let top = mapH,
      bottom = 0,
      sum = 0,
      count = 0;
    stack.push(start);
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % mapW,
        y = (p - x) / mapW;
      sum += map[p]!;
      count++;
      if (x < rowMin[y]!) rowMin[y] = x;
      if (x > rowMax[y]!) rowMax[y] = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      for (const q of [
        x > 0 ? p - 1 : -1,
        x < mapW - 1 ? p + 1 : -1,
        y > 0 ? p - mapW : -1,
        y < mapH - 1 ? p + mapW : -1,
      ]) {
        if (q >= 0 && !seen[q] && map[q]! > o.threshold) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    // The pixels' outer corners (a region of one row still has a height).
    const outline: Point[] = [];
    for (let y = top; y <= bottom; y++) {
      const [l, r] = [rowMin[y]!, rowMax[y]! + 1];
      outline.push([l, y], [r, y], [l, y + 1], [r, y + 1]);
      rowMin[y] = mapW;
      rowMax[y] = -1;
    }
    const rect = minAreaRect(convexHull(outline));
    const score = sum / count;
    if (Math.min(rect.width, rect.height) < o.minSize || score < o.boxThreshold) continue;
    const grown = unclip(rect, o.unclipRatio);
    if (Math.min(grown.width, grown.height) < o.minSize + 2) continue;
    rects.push(grown);
    scores.push(+score.toFixed(4));
  }
  const dir = dominantDirection(rects);
  const oriented = rects.map((r) => orient(r, dir));
  const sx = imageW / mapW,
    sy = imageH / mapH;
  return readingOrder(oriented, dir).map((k) => ({
    points: corners(oriented[k]!).map(([x, y]) => [x * sx, y * sy] as const) as unknown as Quad,
    score: scores[k]!,
  }));
}
