/** An axis-aligned text box in image pixels, with the detector's mean score inside it. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
}

interface BoxOptions {
  /** Pixels of the probability map above this are text. */
  threshold: number;
  /** Boxes whose mean probability is below this are dropped. */
  boxThreshold: number;
  /** DB's unclip ratio: a box grows by area × ratio / perimeter on each side. */
  unclipRatio: number;
  /** Smallest box side kept, in map pixels. */
  minSize: number;
}

/**
 * Text boxes from a DB probability map (PaddleOCR's detector): threshold, connected components
 * (4-neighbour), mean-score filter, unclip, then scaling from map to image coordinates. Boxes are
 * axis-aligned and sorted top to bottom, then left to right.
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
): Box[] {
  const seen = new Uint8Array(mapW * mapH);
  const stack: number[] = [];
  const boxes: Box[] = [];
  for (let start = 0; start < map.length; start++) {
    if (seen[start] || map[start]! <= o.threshold) continue;
    let x1 = mapW,
      y1 = mapH,
      x2 = 0,
      y2 = 0,
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
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
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
    const w = x2 - x1 + 1,
      h = y2 - y1 + 1;
    const score = sum / count;
    if (Math.min(w, h) < o.minSize || score < o.boxThreshold) continue;
    const d = (w * h * o.unclipRatio) / (2 * (w + h));
    const sx = imageW / mapW,
      sy = imageH / mapH;
    boxes.push({
      x1: Math.max(0, Math.floor((x1 - d) * sx)),
      y1: Math.max(0, Math.floor((y1 - d) * sy)),
      x2: Math.min(imageW, Math.ceil((x2 + 1 + d) * sx)),
      y2: Math.min(imageH, Math.ceil((y2 + 1 + d) * sy)),
      score: +score.toFixed(4),
    });
  }
  // Reading order: by line (boxes whose vertical centres are within half a line height), then left to right.
  boxes.sort((a, b) => a.y1 - b.y1);
  return boxes.sort((a, b) => {
    const sameLine = Math.abs((a.y1 + a.y2) / 2 - (b.y1 + b.y2) / 2) < Math.min(a.y2 - a.y1, b.y2 - b.y1) / 2;
    return sameLine ? a.x1 - b.x1 : a.y1 - b.y1;
  });
}
