import type { Direction } from './direction.ts';
import type { RotatedRect } from './rect.ts';

/**
 * Indexes of the boxes in reading order for text running along `dir`: lines first (centres projected
 * across the text direction, a box joining a line when its centre lies within half the smaller height
 * of the line's mean), then each line's boxes along it. On a tilted page the projections follow the
 * tilt, so a line's words stay together and lines keep their order.
 *
 * @param rects boxes oriented along `dir` (their height measured across it)
 * @example readingOrder(rects, dominantDirection(rects)) // [2, 0, 1]
 */
export function readingOrder(rects: readonly RotatedRect[], [dx, dy]: Direction): number[] {
  const along = rects.map((r) => r.cx * dx + r.cy * dy);
  const across = rects.map((r) => -r.cx * dy + r.cy * dx);
  const byAcross = rects.map((_, i) => i).sort((a, b) => across[a]! - across[b]!);
  const lines: Array<{ members: number[]; sum: number; height: number }> = [];
  for (const i of byAcross) {
    const line = lines.at(-1);
    const h = rects[i]!.height;
    if (line && Math.abs(across[i]! - line.sum / line.members.length) < Math.min(h, line.height) / 2) {
      line.members.push(i);
      line.sum += across[i]!;
      line.height = Math.min(line.height, h);
    } else lines.push({ members: [i], sum: across[i]!, height: h });
  }
  return lines.flatMap((l) => l.members.sort((a, b) => along[a]! - along[b]!));
}
